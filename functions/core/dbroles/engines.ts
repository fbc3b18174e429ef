import { UnprocessableError } from '../errors';
import type { SqlPort } from '../postgres/sql-port';
import type { JobEngine } from './engine';
import { mysqlJobEngine } from '../mysql/engine';
import { postgresJobEngine } from './postgres-engine';

/** The engine of a cluster (RDS's `Engine`), over the Data API port to it. */
export function jobEngineFor(engine: string, port: SqlPort): JobEngine {
  if (engine === 'aurora-postgresql') return postgresJobEngine(port);
  if (engine === 'aurora-mysql') return mysqlJobEngine(port);
  throw new UnprocessableError(`engine ${engine} is not supported by DB role jobs`);
}
