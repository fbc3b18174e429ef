import type { RDSDataClient } from '@aws-sdk/client-rds-data';
import mysql from 'mysql2/promise';
import { inject } from 'vitest';
import { DataApiSqlPort } from '../../functions/adapters/data-api/sql-executor';
import type { JobEngine } from '../../functions/core/dbroles/engine';
import { mysqlJobEngine } from '../../functions/core/mysql/engine';
import { invokeLocally, lambdaContext } from '../../infra/local/lambda-runtime';
import type { LocalMysqlClusterInfo } from '../../infra/local/stack';

/** Whether the stack runs MySQL (MariaDB is installed); the MySQL files skip without it. */
export const mysqlInstalled = () => inject('stack').mysql_url !== undefined;

/**
 * An Aurora MySQL cluster of its own for a test file (`POST /_local/mysql-clusters`): MySQL users are
 * server-wide, so files that provision `hoop_ro` etc. at the same time each need their own server.
 */
export async function newLocalMysqlCluster(label: string): Promise<LocalMysqlClusterInfo> {
  const origin = inject('stack').api_url.replace(/\/api$/, '');
  const answer = await fetch(`${origin}/_local/mysql-clusters`, { method: 'POST', body: JSON.stringify({ label }) });
  const body = (await answer.json()) as unknown;
  if (answer.status !== 201) throw new Error(`POST /_local/mysql-clusters: ${answer.status} ${JSON.stringify(body)}`);
  return body as LocalMysqlClusterInfo;
}

/** A connection to a cluster as its master (from its `mysql://` URL) or as another user; the caller ends it. */
export function connectMysql(url: string, login?: { user: string; password: string }, schema?: string): Promise<mysql.Connection> {
  const master = new URL(url);
  return mysql.createConnection({
    host: master.hostname,
    port: Number(master.port),
    user: login?.user ?? decodeURIComponent(master.username),
    password: login?.password ?? decodeURIComponent(master.password),
    database: schema,
    charset: 'utf8mb4_unicode_ci',
    multipleStatements: false,
  });
}

export type MysqlOutcome = { ok: true; rows: unknown } | { ok: false; errno: number; message: string };

/** Runs a statement as a user and tells whether MySQL allowed it. */
export async function tryMysql(connection: mysql.Connection, sql: string): Promise<MysqlOutcome> {
  try {
    const [rows] = await connection.query(sql);
    return { ok: true, rows };
  } catch (error) {
    const { errno, message } = error as { errno?: number; message: string };
    return { ok: false, errno: errno ?? 0, message };
  }
}

/** Logs in as a user, or answers MySQL's error number (1045: access denied). */
export async function tryLogin(url: string, user: string, password: string): Promise<{ ok: true } | { ok: false; errno: number }> {
  try {
    const connection = await connectMysql(url, { user, password });
    await connection.end();
    return { ok: true };
  } catch (error) {
    return { ok: false, errno: (error as { errno?: number }).errno ?? 0 };
  }
}

/** `` `name` ``: test fixtures quote names themselves, independently of the code under test. */
export const backtick = (name: string) => `\`${name.replaceAll('`', '``')}\``;

/** The body of every request the client sends, as on the wire: to prove what never left the process. */
export function recordRequestBodies(client: RDSDataClient): string[] {
  const bodies: string[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const body = (args.request as { body?: unknown }).body;
      bodies.push(typeof body === 'string' ? body : body instanceof Uint8Array ? new TextDecoder().decode(body) : JSON.stringify(body));
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordRequestBodies' },
  );
  return bodies;
}

/** Runs work as a Lambda invocation would (its logger and deadline read the invocation's scope). */
export function inInvocation<T>(work: () => Promise<T>): Promise<T> {
  return invokeLocally(() => work(), undefined, lambdaContext('mysql-test', undefined, 300_000));
}

/** The engine over the production Data API executor, each call in an invocation of its own, as the workflow's Tasks will run it. */
export function invokedMysqlEngine(client: RDSDataClient, cluster: { cluster_arn: string; secret_arn: string }): JobEngine {
  const engine = mysqlJobEngine(new DataApiSqlPort(client, { resourceArn: cluster.cluster_arn, secretArn: cluster.secret_arn }));
  return {
    listTargets: () => inInvocation(() => engine.listTargets()),
    inspect: (target) => inInvocation(() => engine.inspect(target)),
    login: (jobRole, password) => inInvocation(() => engine.login(jobRole, password)),
    grant: (target, jobRoles) => inInvocation(() => engine.grant(target, jobRoles)),
    credentialsDatabase: (targets) => engine.credentialsDatabase(targets),
  };
}
