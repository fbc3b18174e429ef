import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/**
 * A master connection to a database of a local "Aurora cluster" (by default the stack's; another is
 * named by its `postgres_url`). The caller ends it.
 */
export async function masterClient(database = 'postgres', server = inject('stack').postgres_url): Promise<pg.Client> {
  const url = new URL(server);
  url.pathname = `/${encodeURIComponent(database)}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return client;
}

/** Logs in as a role with its password, as a user of the provisioned credentials would (on the stack's cluster or `server`). */
export async function loginAs(user: string, password: string, database: string, server = inject('stack').postgres_url): Promise<pg.Client> {
  const url = new URL(server);
  const client = new pg.Client({ host: url.hostname, port: Number(url.port), user, password, database });
  await client.connect();
  return client;
}

/** Runs a query as a role and tells whether PostgreSQL allowed it. */
export async function tryQuery(client: pg.Client, text: string): Promise<{ ok: true; rows: unknown[] } | { ok: false; code: string; message: string }> {
  try {
    const result = await client.query(text);
    return { ok: true, rows: result.rows };
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    return { ok: false, code: code ?? '', message };
  }
}

/** A fresh database name per test file: files share one cluster. */
export function newDatabaseName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export async function createDatabase(name: string, setup: string, server = inject('stack').postgres_url): Promise<void> {
  const master = await masterClient('postgres', server);
  try {
    await master.query(`CREATE DATABASE "${name}"`);
  } finally {
    await master.end();
  }
  const client = await masterClient(name, server);
  try {
    await client.query(setup);
  } finally {
    await client.end();
  }
}

/**
 * A secret of its own for a test file: a new ARN for the cluster's master login, registered with the
 * local Data API. The file's resources use it, so that the calls it counts and the faults it arms are
 * its own, whatever other files do on the same endpoint at the same time.
 */
export async function newMasterSecret(label: string): Promise<string> {
  const stack = inject('stack');
  const master = new URL(stack.postgres_url);
  const arn = `${stack.secret_arn}-${label}-${randomBytes(4).toString('hex')}`;
  await controlDataApi('POST', '/_local/secrets', { arn, username: decodeURIComponent(master.username), password: decodeURIComponent(master.password) });
  return arn;
}

/** ExecuteStatement calls the local Data API has answered with this secret so far. */
export async function dataApiCalls(secretArn: string): Promise<number> {
  const answer = (await controlDataApi('GET', `/_local/calls?secret_arn=${encodeURIComponent(secretArn)}`)) as { execute_calls: number };
  return answer.execute_calls;
}

/** The next `count` ExecuteStatement calls made with this secret fail with this AWS error. */
export async function injectDataApiFaults(secretArn: string, count: number, errorType: string, message?: string): Promise<void> {
  await controlDataApi('POST', '/_local/faults', { secret_arn: secretArn, count, error_type: errorType, message });
}

export interface DataApiStall {
  operation?: 'Execute' | 'BeginTransaction' | 'CommitTransaction' | 'RollbackTransaction';
  /** Calls of the operation let through before the stall. */
  skip?: number;
  count?: number;
  delayMs: number;
}

/** A stalled database: the next calls of an operation with this secret wait `delayMs`, then run. */
export async function stallDataApi(secretArn: string, stall: DataApiStall): Promise<void> {
  await controlDataApi('POST', '/_local/faults', { secret_arn: secretArn, operation: stall.operation, skip: stall.skip, count: stall.count ?? 1, delay_ms: stall.delayMs });
}

async function controlDataApi(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const answer = await fetch(`${inject('stack').dataApiEndpoint}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  const result = (await answer.json()) as unknown;
  if (!answer.ok) throw new Error(`local Data API ${method} ${path}: ${answer.status} ${JSON.stringify(result)}`);
  return result;
}
