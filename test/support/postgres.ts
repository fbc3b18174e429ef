import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** A master connection to a database of the local "Aurora cluster". The caller ends it. */
export async function masterClient(database = 'postgres'): Promise<pg.Client> {
  const url = new URL(inject('stack').postgres_url);
  url.pathname = `/${encodeURIComponent(database)}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return client;
}

/** Logs in as a role with its password, as a user of the provisioned credentials would. */
export async function loginAs(user: string, password: string, database: string): Promise<pg.Client> {
  const url = new URL(inject('stack').postgres_url);
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

export async function createDatabase(name: string, setup: string): Promise<void> {
  const master = await masterClient();
  try {
    await master.query(`CREATE DATABASE "${name}"`);
  } finally {
    await master.end();
  }
  const client = await masterClient(name);
  try {
    await client.query(setup);
  } finally {
    await client.end();
  }
}

/** ExecuteStatement calls the local Data API has answered so far. */
export async function dataApiCalls(): Promise<number> {
  const answer = await fetch(`${inject('stack').dataApiEndpoint}/_local/calls`);
  return ((await answer.json()) as { execute_calls: number }).execute_calls;
}

export async function injectDataApiFaults(count: number, errorType: string): Promise<void> {
  await fetch(`${inject('stack').dataApiEndpoint}/_local/faults`, { method: 'POST', body: JSON.stringify({ count, error_type: errorType }) });
}
