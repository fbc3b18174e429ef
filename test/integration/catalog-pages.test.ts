import { randomUUID } from 'node:crypto';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import { ExecuteStatementCommand } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DataApiSqlPort } from '../../functions/adapters/data-api/sql-executor';
import { sqlClusterAccess } from '../../functions/core/plans/sql-cluster';
import { DATABASE_STATE_SQL } from '../../functions/core/postgres/catalog';
import type { PlanConfig } from '../../functions/core/postgres/model';
import { SqlExecutionError } from '../../functions/core/postgres/sql-port';
import { dataApiClient } from '../conformance/clients';
import { createDatabase, dataApiCalls, masterClient, newDatabaseName, newMasterSecret } from '../support/postgres';

/**
 * The plan's catalog reads and the apply's statements through the local Data API, which refuses a row
 * over 64 KB and a response over 1 MiB as the service does: a state over 1 MiB (long schema names,
 * some of 4-byte characters) comes back whole, in chunks and pages, and a database's statements run in
 * one call whose failure names the statement.
 */
const database = newDatabaseName('pages');
/** Enough schemas (~365 bytes of state each) that the database's state is over 1 MiB: two pages. */
const SCHEMAS = 3_000;
/** 63 bytes each: ASCII names, and every third one of 4-byte characters (the worst case for a row's bytes). */
const schemaName = (index: number) =>
  index % 3 === 0 ? `${String(index).padStart(4, '0')}_${'𝔰'.repeat(14)}` : `${String(index).padStart(4, '0')}_${'s'.repeat(58)}`;
const names = Array.from({ length: SCHEMAS }, (_, index) => schemaName(index + 1)).sort();

/** Runs work as inside a Lambda invocation, where the adapters' logger has its scope. */
async function inInvocation<T>(work: () => Promise<T>): Promise<T> {
  const store = await InvokeStore.getInstanceAsync();
  return store.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: randomUUID() }, work);
}

const configFor = (roleName: string, schemas: string[]): PlanConfig => ({
  roleName,
  type: 'managed',
  tablePrivileges: ['SELECT'],
  schemaCreate: false,
  routineExecute: false,
  scopes: { [database]: schemas },
  sourceRole: null,
  rotatePassword: false,
  defaultDatabase: 'postgres',
});

describe('the catalog reads and the apply at the Data API limits', () => {
  const client = dataApiClient();
  let secretArn = '';
  let access: ReturnType<typeof sqlClusterAccess>;

  beforeAll(async () => {
    await createDatabase(database, 'SELECT 1');
    const master = await masterClient(database);
    try {
      await master.query(`DO $$ BEGIN FOR s IN 1..${SCHEMAS} LOOP
        EXECUTE format('CREATE SCHEMA %I', CASE WHEN s % 3 = 0 THEN lpad(s::text, 4, '0') || '_' || repeat('𝔰', 14) ELSE lpad(s::text, 4, '0') || '_' || repeat('s', 58) END);
      END LOOP; END $$`);
    } finally {
      await master.end();
    }
    secretArn = await newMasterSecret('pages');
    access = sqlClusterAccess(new DataApiSqlPort(client, { resourceArn: inject('stack').cluster_arn, secretArn }));
  });

  afterAll(() => client.destroy());

  it('reads a database state over 1 MiB whole, in more than one call, with no row over 64 KB nor a response over 1 MiB', async () => {
    // Prepare
    const before = await dataApiCalls(secretArn);

    // Act
    const state = await inInvocation(() => access.catalog.readDatabase(configFor('pages_reader', names), database));

    // Assess: every schema asked for, in order, and the pages it took
    expect(state.schemas.map((schema) => schema.name)).toEqual(names);
    const calls = (await dataApiCalls(secretArn)) - before;
    expect(calls).toBe(2);
    // The same read answered as one row is refused: the catalog is past the limits.
    const unchunked = client.send(
      new ExecuteStatementCommand({
        resourceArn: inject('stack').cluster_arn,
        secretArn,
        database,
        sql: DATABASE_STATE_SQL,
        parameters: [
          { name: 'role', value: { stringValue: 'pages_reader' } },
          { name: 'schemas', value: { stringValue: JSON.stringify(names) } },
        ],
      }),
    );
    await expect(unchunked).rejects.toMatchObject({ name: 'UnsupportedResultException' });
  });

  it('reads a small state in one call', async () => {
    // Prepare
    const before = await dataApiCalls(secretArn);

    // Act
    const state = await inInvocation(() => access.catalog.readDatabase(configFor('pages_reader', names.slice(0, 10)), database));

    // Assess
    expect(state.schemas.map((schema) => schema.name)).toEqual(names.slice(0, 10));
    expect((await dataApiCalls(secretArn)) - before).toBe(1);
  });

  it('runs statements holding quotes, backslashes and the block\'s own dollar quote exactly as written', async () => {
    // Prepare
    const role = newDatabaseName('pages_quoted');
    const comment = "it's $block$ \\ $$ done";

    // Act
    await inInvocation(async () => {
      const transaction = await access.begin(database);
      await transaction.run([`CREATE ROLE "${role}" NOLOGIN`, `COMMENT ON ROLE "${role}" IS E'it''s $block$ \\\\ $$ done'`]);
      await transaction.commit();
    });

    // Assess
    const master = await masterClient(database);
    try {
      const { rows } = await master.query<{ comment: string }>("SELECT shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = $1", [role]);
      expect(rows).toEqual([{ comment }]);
      await master.query(`DROP ROLE "${role}"`);
    } finally {
      await master.end();
    }
  });

  it("runs a database's statements in one call, and a failure names the statement, its password redacted, and undoes the rest", async () => {
    // Prepare
    const role = newDatabaseName('pages_role');
    const grants = names.slice(0, 200).map((schema) => `GRANT USAGE ON SCHEMA "${schema}" TO "${role}"`);
    const before = await dataApiCalls(secretArn);

    // Act
    const { calls, failure } = await inInvocation(async () => {
      const transaction = await access.begin(database);
      await transaction.run([`CREATE ROLE "${role}" WITH LOGIN PASSWORD 'SCRAM-SHA-256$4096:c2FsdA==$a2V5:c2VydmVy'`, ...grants]);
      const calls = (await dataApiCalls(secretArn)) - before;
      const failure = await transaction.run([grants[0] ?? '', `ALTER ROLE "${role}" WITH PASSWORD 'it''s secret' VALID UNTIL 'never'`]).catch((error: unknown) => error);
      // The Data API has already ended the transaction the failure aborted.
      await transaction.rollback().catch(() => undefined);
      return { calls, failure };
    });

    // Assess
    expect(calls).toBe(1);
    expect(failure).toBeInstanceOf(SqlExecutionError);
    const message = (failure as SqlExecutionError).message;
    expect(message).toContain(`(statement 2 of 2: ALTER ROLE "${role}" WITH PASSWORD '[redacted]' VALID UNTIL 'never')`);
    expect(message).toContain('SQLState: 22007');
    expect(message).not.toContain('secret');
    const master = await masterClient(database);
    try {
      expect((await master.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount).toBe(0);
    } finally {
      await master.end();
    }
  });
});
