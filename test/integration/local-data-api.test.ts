import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, masterClient, newDatabaseName } from '../support/postgres';

const database = newDatabaseName('dataapi');

describe('the local Data API, through the real SDK client', () => {
  let client: RDSDataClient;
  let target: { resourceArn: string; secretArn: string };

  beforeAll(async () => {
    const stack = inject('stack');
    client = new RDSDataClient({ endpoint: stack.dataApiEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
    target = { resourceArn: stack.cluster_arn, secretArn: stack.secret_arn };
    await createDatabase(database, 'SELECT 1');
    // The Data API logs in as the master: its own table, as a client of the Data API would have.
    const master = await masterClient(database);
    await master.query('CREATE TABLE t (id serial PRIMARY KEY, name text, score numeric(5,2), ok boolean, big bigint, tags text[], at date)');
    await master.end();
  });

  afterAll(() => client.destroy());

  const run = (sql: string, extra: Record<string, unknown> = {}) => client.send(new ExecuteStatementCommand({ ...target, database, sql, ...extra }));

  it('answers records, metadata and updates shaped as the service does', async () => {
    // Act
    const inserted = await run(`INSERT INTO t (name, score, ok, big, tags, at) VALUES (:name, 12.5, true, :big, '{a,b}', '2026-11-25')`, {
      parameters: [
        { name: 'name', value: { stringValue: "O'Brien" } },
        { name: 'big', value: { longValue: 5_000_000_000 } },
      ],
    });
    const selected = await run('SELECT id, name, score, ok, big, tags, at, NULL AS nothing FROM t', { includeResultMetadata: true });

    // Assess
    expect(inserted.numberOfRecordsUpdated).toBe(1);
    expect(selected.records?.[0]).toEqual([
      { longValue: 1 },
      { stringValue: "O'Brien" },
      { stringValue: '12.50' },
      { booleanValue: true },
      { longValue: 5_000_000_000 },
      { stringValue: '{a,b}' },
      { stringValue: '2026-11-25' },
      { isNull: true },
    ]);
    expect(selected.columnMetadata?.map((column) => column.name)).toEqual(['id', 'name', 'score', 'ok', 'big', 'tags', 'at', 'nothing']);
  });

  it('answers JSON records when asked', async () => {
    const answer = await run('SELECT id, name, ok FROM t ORDER BY id', { formatRecordsAs: 'JSON' });
    expect(JSON.parse(answer.formattedRecords ?? '[]')).toEqual([{ id: 1, name: "O'Brien", ok: true }]);
  });

  it('runs one statement per call, and answers database errors with their SQLSTATE', async () => {
    await expect(run('SELECT 1; SELECT 2')).rejects.toMatchObject({ name: 'DatabaseErrorException', message: expect.stringContaining('cannot insert multiple commands') });
    await expect(run('SELECT * FROM missing')).rejects.toMatchObject({ name: 'DatabaseErrorException', message: expect.stringMatching(/relation "missing" does not exist.*SQLState: 42P01/s) });
  });

  it('logs in as the user the secret names, and refuses unknown secrets and clusters', async () => {
    expect((await run('SELECT current_user AS who', { formatRecordsAs: 'JSON' })).formattedRecords).toBe('[{"who":"postgres"}]');
    await expect(client.send(new ExecuteStatementCommand({ ...target, secretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:nope', database, sql: 'SELECT 1' }))).rejects.toMatchObject({
      name: 'BadRequestException',
    });
    await expect(client.send(new ExecuteStatementCommand({ ...target, resourceArn: 'arn:aws:rds:us-east-1:000000000000:cluster:nope', database, sql: 'SELECT 1' }))).rejects.toMatchObject({
      name: 'BadRequestException',
    });
  });

  it('keeps a transaction on one session: invisible to others until commit, gone on rollback', async () => {
    // Prepare
    const count = async () => Number((await run('SELECT count(*) AS n FROM t', { formatRecordsAs: 'JSON' })).formattedRecords?.match(/\d+/)?.[0]);
    const before = await count();

    // Act + Assess
    const { transactionId } = await client.send(new BeginTransactionCommand({ ...target, database }));
    await run(`INSERT INTO t (name) VALUES ('in tx')`, { transactionId });
    expect(await count()).toBe(before);
    expect((await client.send(new CommitTransactionCommand({ ...target, transactionId }))).transactionStatus).toBe('Transaction Committed');
    expect(await count()).toBe(before + 1);

    const second = await client.send(new BeginTransactionCommand({ ...target, database }));
    await run(`INSERT INTO t (name) VALUES ('rolled back')`, { transactionId: second.transactionId });
    expect((await client.send(new RollbackTransactionCommand({ ...target, transactionId: second.transactionId }))).transactionStatus).toBe('Rollback Complete');
    expect(await count()).toBe(before + 1);
    await expect(run('SELECT 1', { transactionId: second.transactionId })).rejects.toMatchObject({ message: expect.stringContaining('is not found') });
  });

  it('refuses an answer over the 1 MiB response limit', async () => {
    await expect(run(`SELECT repeat('x', 1100000) AS big`)).rejects.toMatchObject({ name: 'BadRequestException', message: expect.stringContaining('response size limit') });
    const master = await masterClient(database);
    expect((await master.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await master.end();
  });
});
