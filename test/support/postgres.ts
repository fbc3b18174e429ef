import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** The connection strings of a local "Aurora cluster": the stack's by default, or one from `newLocalCluster`. */
export interface ClusterUrls {
  /** The master user, as on Aurora: NOSUPERUSER CREATEDB CREATEROLE, a member of rds_superuser. */
  postgres_url: string;
  /** The superuser Aurora keeps to itself: here only to set fixtures up as application roles. */
  postgres_superuser_url: string;
}

async function connectTo(server: string, database: string): Promise<pg.Client> {
  const url = new URL(server);
  url.pathname = `/${encodeURIComponent(database)}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return client;
}

/** A master connection to a database of a local cluster (the provisioning's own login). The caller ends it. */
export function masterClient(database = 'postgres', cluster: ClusterUrls = inject('stack')): Promise<pg.Client> {
  return connectTo(cluster.postgres_url, database);
}

/** Logs in as a role with its password, as a user of the provisioned credentials would. */
export async function loginAs(user: string, password: string, database: string, cluster: ClusterUrls = inject('stack')): Promise<pg.Client> {
  const url = new URL(cluster.postgres_url);
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

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Runs SQL in a database as the superuser, which Aurora keeps to itself: for what only an
 * administrator could set up (roles the master did not make, objects of any role).
 */
export async function runAsSuperuser(database: string, sql: string, cluster: ClusterUrls = inject('stack')): Promise<void> {
  const client = await connectTo(cluster.postgres_superuser_url, database);
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Runs SQL in a database as an application role, the way its migrations would: objects it creates
 * belong to that role, not to the master. (Through the superuser, which may become any role.)
 */
export function runAs(role: string, database: string, sql: string, cluster: ClusterUrls = inject('stack')): Promise<void> {
  return runAsSuperuser(database, `SET ROLE ${quoteIdent(role)};\n${sql}`, cluster);
}

/**
 * An application role made by the master, as on Aurora (the master then holds ADMIN OPTION on it
 * and nothing more), with CREATE on the given databases.
 */
export async function createAppRole(role: string, databases: string[] = [], cluster: ClusterUrls = inject('stack')): Promise<string> {
  const master = await masterClient('postgres', cluster);
  try {
    await master.query(`CREATE ROLE ${quoteIdent(role)} NOLOGIN`);
    for (const database of databases) await master.query(`GRANT CREATE ON DATABASE ${quoteIdent(database)} TO ${quoteIdent(role)}`);
  } finally {
    await master.end();
  }
  return role;
}

/**
 * A database the master creates, whose objects (made by `setup`) belong to an application role
 * `<name>_app`, as on a real cluster. Answers that role's name.
 */
export async function createDatabase(name: string, setup: string, cluster: ClusterUrls = inject('stack')): Promise<string> {
  const master = await masterClient('postgres', cluster);
  try {
    await master.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } finally {
    await master.end();
  }
  const owner = await createAppRole(`${name}_app`, [name], cluster);
  // PostgreSQL 15+ keeps `public` to the database's owner (the master): the application gets CREATE there.
  const inDatabase = await masterClient(name, cluster);
  try {
    await inDatabase.query(`GRANT CREATE ON SCHEMA public TO ${quoteIdent(owner)}`);
  } finally {
    await inDatabase.end();
  }
  await runAs(owner, name, setup, cluster);
  return owner;
}

/** The roles the master is a member of beyond rds_superuser, other than through ADMIN OPTION alone: what an apply must never leave. */
export async function masterMemberships(cluster: ClusterUrls = inject('stack')): Promise<string[]> {
  const master = await masterClient('postgres', cluster);
  try {
    const { rows } = await master.query<{ role: string }>(
      `SELECT r.rolname AS role FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
       WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = current_user) AND (m.inherit_option OR m.set_option)
         AND r.rolname <> 'rds_superuser' ORDER BY 1`,
    );
    return rows.map((row) => row.role);
  } finally {
    await master.end();
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

/** The next `count` ExecuteStatement calls made with this secret (after `skip` of them) fail with this AWS error. */
export async function injectDataApiFaults(secretArn: string, count: number, errorType: string, message?: string, skip = 0): Promise<void> {
  await controlDataApi('POST', '/_local/faults', { secret_arn: secretArn, count, skip, error_type: errorType, message });
}

/** Disarms whatever fault or stall is left for this secret. */
export async function clearDataApiFaults(secretArn: string): Promise<void> {
  await controlDataApi('POST', '/_local/faults', { secret_arn: secretArn, count: 0 });
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
