import { randomBytes } from 'node:crypto';
import {
  BatchExecuteStatementCommand,
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  type ExecuteStatementCommandInput,
  type RDSDataClient,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectMysql, mysqlInstalled } from '../support/mysql';
import { dataApiClient, failure, recordResponseBodies } from './clients';

/**
 * The MySQL side of the local Data API (an Aurora MySQL cluster, here MariaDB), through the
 * production SDK client only, against the service's documentation: ExecuteStatement, SqlParameter,
 * Field, ColumnMetadata, ResultSetOptions, BatchExecuteStatement, the transactions and the limits.
 */
const schema = `conformance_${randomBytes(4).toString('hex')}`;

describe.skipIf(!mysqlInstalled())('the local Data API answers for Aurora MySQL as the service does', () => {
  let client: RDSDataClient;
  let bodies: string[];
  let target: { resourceArn: string; secretArn: string };

  beforeAll(async () => {
    const stack = inject('stack');
    client = dataApiClient();
    bodies = recordResponseBodies(client);
    target = { resourceArn: stack.mysql_cluster_arn ?? '', secretArn: stack.mysql_secret_arn ?? '' };
    const master = await connectMysql(stack.mysql_url ?? '');
    await master.query(`CREATE DATABASE ${schema}`);
    await master.query(
      `CREATE TABLE ${schema}.t (id int AUTO_INCREMENT PRIMARY KEY, name varchar(20) NOT NULL DEFAULT '', score decimal(5,2), ok boolean, big bigint, ratio double, at date, stamp datetime, raw varbinary(8), doc json, flag bit(1), amount int unsigned)`,
    );
    await master.query(`CREATE TABLE ${schema}.counter (n int PRIMARY KEY)`);
    await master.end();
  });

  afterAll(() => client.destroy());

  const run = (sql: string, extra: Partial<ExecuteStatementCommandInput> = {}) => client.send(new ExecuteStatementCommand({ ...target, database: schema, sql, ...extra }));

  describe('parameters', () => {
    it('binds :name parameters of each type, and leaves :name inside a string alone', async () => {
      const answer = await run('SELECT :s AS s, :n AS n, :d AS d, :b AS b, :x AS x, :z AS z, \':s\' AS literal', {
        parameters: [
          { name: 's', value: { stringValue: "O'Brien \\ done" } },
          { name: 'n', value: { longValue: 42 } },
          { name: 'd', value: { doubleValue: 1.5 } },
          { name: 'b', value: { booleanValue: true } },
          { name: 'x', value: { blobValue: Uint8Array.from([0, 1, 254, 255]) } },
          { name: 'z', value: { isNull: true } },
        ],
      });
      const [s, n, d, b, x, z, literal] = answer.records?.[0] ?? [];
      // The driver writes a double as its digits (a DECIMAL literal to MySQL) and a boolean as TRUE (the integer 1).
      expect({ s, n, d, b, z, literal }).toEqual({ s: { stringValue: "O'Brien \\ done" }, n: { longValue: 42 }, d: { stringValue: '1.5' }, b: { longValue: 1 }, z: { isNull: true }, literal: { stringValue: ':s' } });
      expect([...(x?.blobValue ?? [])]).toEqual([0, 1, 254, 255]);
    });

    it('takes a DATE, TIMESTAMP or DECIMAL type hint, in the documented formats only', async () => {
      await run('INSERT INTO t (name, at, stamp, score) VALUES (:name, :at, :stamp, :score)', {
        parameters: [
          { name: 'name', value: { stringValue: 'hinted' } },
          { name: 'at', value: { stringValue: '2026-11-25' }, typeHint: 'DATE' },
          { name: 'stamp', value: { stringValue: '2026-11-25 10:11:12' }, typeHint: 'TIMESTAMP' },
          { name: 'score', value: { stringValue: '12.34' }, typeHint: 'DECIMAL' },
        ],
      });
      const answer = await run("SELECT at, stamp, score FROM t WHERE name = 'hinted'");
      expect(answer.records?.[0]).toEqual([{ stringValue: '2026-11-25' }, { stringValue: '2026-11-25 10:11:12' }, { stringValue: '12.34' }]);
      expect(await failure(run('SELECT :at', { parameters: [{ name: 'at', value: { stringValue: '25/11/2026' }, typeHint: 'DATE' }] }))).toMatchObject({ name: 'BadRequestException' });
    });
  });

  describe('results', () => {
    it('answers records typed by their MySQL columns, the auto-increment key in generatedFields', async () => {
      const inserted = await run(
        "INSERT INTO t (name, score, ok, big, ratio, at, stamp, raw, doc, flag, amount) VALUES ('typed', 3.5, TRUE, 9223372036854775807, 0.25, '2026-01-02', '2026-01-02 03:04:05', X'00FF', '{\"a\": 1}', b'1', 4000000000)",
      );
      expect(inserted.numberOfRecordsUpdated).toBe(1);
      const id = inserted.generatedFields?.[0]?.longValue ?? 0;
      expect(id).toBeGreaterThan(0);
      const answer = await run('SELECT id, name, score, ok, ratio, at, stamp, raw, doc, flag, amount, NULL AS nothing FROM t WHERE id = :id', { parameters: [{ name: 'id', value: { longValue: id } }] });
      const [record] = answer.records ?? [];
      expect(record?.slice(0, 7)).toEqual([
        { longValue: id },
        { stringValue: 'typed' },
        { stringValue: '3.50' },
        { booleanValue: true },
        { doubleValue: 0.25 },
        { stringValue: '2026-01-02' },
        { stringValue: '2026-01-02 03:04:05' },
      ]);
      expect([...(record?.[7]?.blobValue ?? [])]).toEqual([0, 255]);
      expect(record?.slice(8)).toEqual([{ stringValue: '{"a": 1}' }, { booleanValue: true }, { longValue: 4000000000 }, { isNull: true }]);
    });

    it('writes a 64-bit integer exactly on the wire, and as a string with longReturnType STRING', async () => {
      await run('SELECT CAST(9223372036854775807 AS SIGNED) AS big');
      expect(bodies.at(-1)).toContain('{"longValue":9223372036854775807}');
      const asString = await run('SELECT CAST(9223372036854775807 AS SIGNED) AS big', { resultSetOptions: { longReturnType: 'STRING' } });
      expect(asString.records?.[0]).toEqual([{ stringValue: '9223372036854775807' }]);
    });

    it('answers JSON records: numbers, decimals as strings (or numbers with DOUBLE_OR_LONG), base64 binary, no column metadata', async () => {
      const sql = "SELECT 7 AS n, CAST(2.50 AS DECIMAL(5,2)) AS amount, X'00FF' AS raw, 'text' AS s, NULL AS nothing";
      const answer = await run(sql, { formatRecordsAs: 'JSON', includeResultMetadata: true });
      expect(JSON.parse(answer.formattedRecords ?? '')).toEqual([{ n: 7, amount: '2.50', raw: 'AP8=', s: 'text', nothing: null }]);
      expect(answer.columnMetadata).toBeUndefined();
      const doubles = await run(sql, { formatRecordsAs: 'JSON', resultSetOptions: { decimalReturnType: 'DOUBLE_OR_LONG' } });
      expect(JSON.parse(doubles.formattedRecords ?? '')).toMatchObject([{ amount: 2.5 }]);
    });

    it('describes columns with their MySQL type names and JDBC codes', async () => {
      const answer = await run('SELECT id, name, amount FROM t LIMIT 1', { includeResultMetadata: true });
      expect(answer.columnMetadata).toEqual([
        expect.objectContaining({ name: 'id', typeName: 'INT', type: 4, isAutoIncrement: true, nullable: 0, tableName: 't', schemaName: schema }),
        expect.objectContaining({ name: 'name', typeName: 'VARCHAR', type: 12, isAutoIncrement: false, nullable: 0 }),
        expect.objectContaining({ name: 'amount', typeName: 'INT UNSIGNED', isSigned: false, nullable: 1 }),
      ]);
    });

    it('uses the request database as the default schema, and none without one', async () => {
      expect((await run('SELECT DATABASE() AS db', { formatRecordsAs: 'JSON' })).formattedRecords).toBe(`[{"db":"${schema}"}]`);
      expect((await run('SELECT DATABASE() AS db', { database: undefined, formatRecordsAs: 'JSON' })).formattedRecords).toBe('[{"db":null}]');
    });
  });

  describe('statements and transactions', () => {
    it('logs in as the master the secret names, and answers database errors with their MySQL error number', async () => {
      expect((await run('SELECT CURRENT_USER() AS who', { formatRecordsAs: 'JSON' })).formattedRecords).toBe('[{"who":"admin@%"}]');
      expect(await failure(run('SELECT * FROM missing'))).toMatchObject({ name: 'DatabaseErrorException', status: 400, message: expect.stringMatching(/^Database error code: 1146\. Message: Table '.*missing' doesn't exist/) });
      expect(await failure(run('SELECT 1; SELECT 2'))).toMatchObject({ name: 'DatabaseErrorException', message: expect.stringContaining('Database error code: 1064') });
    });

    it('keeps a transaction on one session: invisible to others until commit, gone on rollback, then not found', async () => {
      const count = async () => Number((await run('SELECT COUNT(*) AS n FROM counter')).records?.[0]?.[0]?.longValue);
      const before = await count();
      const { transactionId } = await client.send(new BeginTransactionCommand({ ...target, database: schema }));
      await run('INSERT INTO counter (n) VALUES (1)', { transactionId });
      expect(await count()).toBe(before);
      expect((await client.send(new CommitTransactionCommand({ ...target, transactionId }))).transactionStatus).toBe('Transaction Committed');
      expect(await count()).toBe(before + 1);
      expect(await failure(run('SELECT 1', { transactionId }))).toMatchObject({ name: 'TransactionNotFoundException', status: 404 });

      const second = await client.send(new BeginTransactionCommand({ ...target, database: schema }));
      await run('INSERT INTO counter (n) VALUES (2)', { transactionId: second.transactionId });
      expect((await client.send(new RollbackTransactionCommand({ ...target, transactionId: second.transactionId }))).transactionStatus).toBe('Rollback Complete');
      expect(await count()).toBe(before + 1);
    });

    it('ends a transaction whose statement fails in the database: what it did is rolled back and its id is not found', async () => {
      const { transactionId } = await client.send(new BeginTransactionCommand({ ...target, database: schema }));
      await run('INSERT INTO counter (n) VALUES (100)', { transactionId });
      expect(await failure(run('INSERT INTO counter (n) VALUES (100)', { transactionId }))).toMatchObject({ name: 'DatabaseErrorException', message: expect.stringContaining('Database error code: 1062') });
      expect(await failure(run('SELECT 1', { transactionId }))).toMatchObject({ name: 'TransactionNotFoundException', message: expect.stringContaining('aborted due to an error') });
      expect((await run('SELECT COUNT(*) AS n FROM counter WHERE n = 100')).records?.[0]).toEqual([{ longValue: 0 }]);
    });

    it('runs a batch once per parameter set, all or nothing', async () => {
      const sets = [300, 301, 302].map((n) => [{ name: 'n', value: { longValue: n } }]);
      const batch = await client.send(new BatchExecuteStatementCommand({ ...target, database: schema, sql: 'INSERT INTO counter (n) VALUES (:n)', parameterSets: sets }));
      expect(batch.updateResults).toHaveLength(3);
      const failed = await failure(
        client.send(new BatchExecuteStatementCommand({ ...target, database: schema, sql: 'INSERT INTO counter (n) VALUES (:n)', parameterSets: [[{ name: 'n', value: { longValue: 400 } }], ...sets] })),
      );
      expect(failed).toMatchObject({ name: 'DatabaseErrorException' });
      expect((await run('SELECT GROUP_CONCAT(n ORDER BY n) AS ns FROM counter WHERE n >= 300', { formatRecordsAs: 'JSON' })).formattedRecords).toBe('[{"ns":"300,301,302"}]');
    });
  });

  describe('limits', () => {
    it('refuses a row over 64 KB and a result over 1 MiB, and answers one just under both', async () => {
      expect(await failure(run("SELECT REPEAT('x', 70000) AS big"))).toMatchObject({ name: 'UnsupportedResultException', message: expect.stringContaining('Packet for query is too large') });
      const rows = (count: number) => `SELECT REPEAT('x', 60000) AS big FROM information_schema.COLLATIONS LIMIT ${count}`;
      expect(await failure(run(rows(20)))).toMatchObject({ name: 'UnsupportedResultException', message: expect.stringContaining('response size limit') });
      expect((await run(rows(16))).records).toHaveLength(16);
    });
  });
});
