import {
  BatchExecuteStatementCommand,
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  type ExecuteStatementCommandInput,
  type RDSDataClient,
  RollbackTransactionCommand,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, masterClient, newDatabaseName, newMasterSecret } from '../support/postgres';
import { dataApiClient, failure, recordResponseBodies } from './clients';

/**
 * The local Data API against the service's documentation, through the production SDK client only:
 * https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/ (ExecuteStatement, SqlParameter,
 * Field, ColumnMetadata, ResultSetOptions, BatchExecuteStatement, the errors of the model) and
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api-json.html.
 */
const database = newDatabaseName('conformance');

describe('the local Data API answers as the service does', () => {
  let client: RDSDataClient;
  let bodies: string[];
  let target: { resourceArn: string; secretArn: string };

  beforeAll(async () => {
    client = dataApiClient();
    bodies = recordResponseBodies(client);
    target = { resourceArn: inject('stack').cluster_arn, secretArn: await newMasterSecret('conformance') };
    await createDatabase(database, 'SELECT 1');
    // The Data API logs in as the master: its own tables, as a client of the Data API would have.
    const master = await masterClient(database);
    await master.query(
      `CREATE TABLE t (id serial PRIMARY KEY, name varchar(20) NOT NULL DEFAULT '', score numeric(5,2), ok boolean, big bigint, tags text[], at date);
       CREATE TABLE typed (d date, tm time, ts timestamp, amount numeric(12,4), u uuid, doc jsonb, raw bytea);
       CREATE TABLE counter (n int PRIMARY KEY)`,
    );
    await master.end();
  });

  afterAll(() => client.destroy());

  const run = (sql: string, extra: Partial<ExecuteStatementCommandInput> = {}) => client.send(new ExecuteStatementCommand({ ...target, database, sql, ...extra }));
  const one = async (sql: string, parameters: SqlParameter[], extra: Partial<ExecuteStatementCommandInput> = {}) => {
    const answer = await run(sql, { parameters, includeResultMetadata: true, ...extra });
    return { field: answer.records?.[0]?.[0], column: answer.columnMetadata?.[0] };
  };

  describe('parameters', () => {
    it('binds each value with its type: long, double, boolean, string (varchar), blob and null', async () => {
      expect(await one('SELECT :v AS v', [{ name: 'v', value: { longValue: 42 } }])).toMatchObject({ field: { longValue: 42 }, column: { typeName: 'int8', type: -5 } });
      expect(await one('SELECT :v AS v', [{ name: 'v', value: { doubleValue: 1.5 } }])).toMatchObject({ field: { doubleValue: 1.5 }, column: { typeName: 'float8', type: 8 } });
      expect(await one('SELECT :v AS v', [{ name: 'v', value: { booleanValue: true } }])).toMatchObject({ field: { booleanValue: true }, column: { typeName: 'bool', type: -7 } });
      expect(await one('SELECT :v AS v', [{ name: 'v', value: { stringValue: "O'Brien" } }])).toMatchObject({ field: { stringValue: "O'Brien" }, column: { typeName: 'varchar', type: 12 } });
      const blob = await one('SELECT :v AS v', [{ name: 'v', value: { blobValue: Uint8Array.from([0, 1, 254, 255]) } }]);
      expect(blob).toMatchObject({ column: { typeName: 'bytea', type: -2 } });
      expect([...(blob.field?.blobValue ?? [])]).toEqual([0, 1, 254, 255]);
      expect(await one('SELECT :v AS v', [{ name: 'v', value: { isNull: true } }])).toMatchObject({ field: { isNull: true } });
    });

    it('sends a string as varchar: without a type hint it does not become a date or compare with an integer', async () => {
      expect(await failure(run('INSERT INTO t (at) VALUES (:at)', { parameters: [{ name: 'at', value: { stringValue: '2026-11-25' } }] }))).toMatchObject({
        name: 'DatabaseErrorException',
        message: expect.stringMatching(/column "at" is of type date but expression is of type character varying.*SQLState: 42804/s),
      });
      expect(await failure(run('SELECT 1 FROM t WHERE id = :id', { parameters: [{ name: 'id', value: { stringValue: '1' } }] }))).toMatchObject({
        name: 'DatabaseErrorException',
        message: expect.stringContaining('SQLState: 42883'),
      });
    });

    it.each([
      ['DATE', '2026-11-25', 'd', 'date', '2026-11-25'],
      ['TIME', '10:11:12.345', 'tm', 'time', '10:11:12.345'],
      ['TIMESTAMP', '2026-11-25 10:11:12.345', 'ts', 'timestamp', '2026-11-25 10:11:12.345'],
      ['DECIMAL', '12345678.1234', 'amount', 'numeric', '12345678.1234'],
      ['UUID', '0b8d6b4e-2f39-4c3a-9d43-59f1d1a2b7c1', 'u', 'uuid', '0b8d6b4e-2f39-4c3a-9d43-59f1d1a2b7c1'],
      ['JSON', '{"a": [1, 2]}', 'doc', 'json', '{"a": [1, 2]}'],
    ] as const)('binds a string with type hint %s as that type, into a typed column and on its own', async (typeHint, value, column, typeName, echoed) => {
      // Act
      const inserted = await run(`INSERT INTO typed (${column}) VALUES (:v)`, { parameters: [{ name: 'v', value: { stringValue: value }, typeHint }] });
      const selected = await one('SELECT :v AS v', [{ name: 'v', value: { stringValue: value }, typeHint }]);

      // Assess
      expect(inserted.numberOfRecordsUpdated).toBe(1);
      expect(selected).toMatchObject({ field: { stringValue: echoed }, column: { typeName } });
    });

    it('refuses a value in another format than its type hint documents, and a type hint that does not exist', async () => {
      for (const [typeHint, value] of [
        ['DATE', '25/11/2026'],
        ['TIME', '10:11'],
        ['TIMESTAMP', '2026-11-25T10:11:12'],
      ] as const) {
        expect(await failure(run('SELECT :v AS v', { parameters: [{ name: 'v', value: { stringValue: value }, typeHint }] }))).toMatchObject({ name: 'BadRequestException', status: 400 });
      }
      expect(await failure(run('SELECT :v AS v', { parameters: [{ name: 'v', value: { stringValue: 'x' }, typeHint: 'BOGUS' as 'DATE' }] }))).toMatchObject({
        name: 'BadRequestException',
        message: expect.stringContaining('BOGUS'),
      });
      expect(await failure(run('SELECT :v AS v', { parameters: [{ name: 'v', value: { longValue: 1 }, typeHint: 'DECIMAL' }] }))).toMatchObject({ name: 'BadRequestException' });
    });

    it('refuses an array parameter instead of binding it as NULL', async () => {
      expect(await failure(run('SELECT :v AS v', { parameters: [{ name: 'v', value: { arrayValue: { longValues: [1, 2] } } }] }))).toMatchObject({
        name: 'BadRequestException',
        message: expect.stringContaining('Array parameters are not supported'),
      });
    });
  });

  describe('results', () => {
    it('answers records typed by their columns, arrays as arrayValue', async () => {
      // Prepare
      await run(`INSERT INTO t (name, score, ok, big, tags, at) VALUES (:name, 12.5, true, :big, '{a,"b c",NULL}', '2026-11-25')`, {
        parameters: [
          { name: 'name', value: { stringValue: 'first' } },
          { name: 'big', value: { longValue: 5_000_000_000 } },
        ],
      });

      // Act
      const selected = await run(`SELECT id, name, score, ok, big, tags, at, NULL AS nothing, ARRAY[1.5, 2]::float8[] AS f, ARRAY[true, false] AS b, ARRAY[7, 8]::int8[] AS l FROM t WHERE name = 'first'`);

      // Assess
      expect(selected.records?.[0]).toEqual([
        { longValue: 1 },
        { stringValue: 'first' },
        { stringValue: '12.50' },
        { booleanValue: true },
        { longValue: 5_000_000_000 },
        { arrayValue: { stringValues: ['a', 'b c', null] } },
        { stringValue: '2026-11-25' },
        { isNull: true },
        { arrayValue: { doubleValues: [1.5, 2] } },
        { arrayValue: { booleanValues: [true, false] } },
        { arrayValue: { longValues: [7, 8] } },
      ]);
    });

    it('refuses a multidimensional array, as UnsupportedResultException', async () => {
      expect(await failure(run(`SELECT '{{1,2},{3,4}}'::int[] AS m`))).toMatchObject({ name: 'UnsupportedResultException', status: 400 });
    });

    it('writes a 64-bit integer exactly on the wire, and as a string with longReturnType STRING', async () => {
      // Act
      const records = await run('SELECT 9223372036854775807::int8 AS big, (-9223372036854775808)::int8 AS small');
      const recordsBody = bodies.at(-1) ?? '';
      const json = await run('SELECT 9223372036854775807::int8 AS big, ARRAY[9223372036854775807]::int8[] AS list', { formatRecordsAs: 'JSON' });
      const strings = await run('SELECT 9223372036854775807::int8 AS big', { resultSetOptions: { longReturnType: 'STRING' } });

      // Assess
      expect(recordsBody).toContain('{"longValue":9223372036854775807}');
      expect(recordsBody).toContain('{"longValue":-9223372036854775808}');
      expect(records.records?.[0]?.[0]?.longValue).toBeTypeOf('number');
      expect(json.formattedRecords).toBe('[{"big":9223372036854775807,"list":[9223372036854775807]}]');
      expect(strings.records?.[0]).toEqual([{ stringValue: '9223372036854775807' }]);
    });

    it('answers JSON records with base64 binary, decimals as strings, arrays as arrays, and no column metadata', async () => {
      // Act
      const answer = await run(`SELECT 1 AS one, 2.50::numeric AS dec, '\\x00ff'::bytea AS raw, true AS yes, NULL AS nothing, ARRAY['a','b'] AS list, '2026-11-25'::date AS day, '{"k":1}'::jsonb AS doc`, {
        formatRecordsAs: 'JSON',
        includeResultMetadata: true,
      });
      const numbers = await run('SELECT 2.50::numeric AS dec, 7::numeric AS whole', { formatRecordsAs: 'JSON', resultSetOptions: { decimalReturnType: 'DOUBLE_OR_LONG' } });

      // Assess
      expect(JSON.parse(answer.formattedRecords ?? '')).toEqual([{ one: 1, dec: '2.50', raw: 'AP8=', yes: true, nothing: null, list: ['a', 'b'], day: '2026-11-25', doc: '{"k": 1}' }]);
      expect(answer.columnMetadata).toBeUndefined();
      expect(answer.records).toBeUndefined();
      expect(JSON.parse(numbers.formattedRecords ?? '')).toEqual([{ dec: 2.5, whole: 7 }]);
    });

    it('answers decimals as double or long with decimalReturnType DOUBLE_OR_LONG', async () => {
      const answer = await run('SELECT 2.50::numeric AS dec, 7::numeric AS whole', { resultSetOptions: { decimalReturnType: 'DOUBLE_OR_LONG' } });
      expect(answer.records?.[0]).toEqual([{ doubleValue: 2.5 }, { longValue: 7 }]);
    });

    it('describes columns as the JDBC driver behind the service does', async () => {
      // Act
      const answer = await run('SELECT id, name, score, tags, id + 1 AS next FROM t LIMIT 1', { includeResultMetadata: true });

      // Assess
      expect(answer.columnMetadata).toEqual([
        expect.objectContaining({ name: 'id', label: 'id', type: 4, typeName: 'serial', isAutoIncrement: true, nullable: 0, tableName: 't', schemaName: '', precision: 10, scale: 0, isSigned: true, isCaseSensitive: false, arrayBaseColumnType: 0 }),
        expect.objectContaining({ name: 'name', type: 12, typeName: 'varchar', isAutoIncrement: false, nullable: 0, tableName: 't', precision: 20, isSigned: false, isCaseSensitive: true }),
        expect.objectContaining({ name: 'score', type: 2, typeName: 'numeric', nullable: 1, precision: 5, scale: 2, isSigned: true }),
        expect.objectContaining({ name: 'tags', type: 2003, typeName: '_text', arrayBaseColumnType: 12 }),
        expect.objectContaining({ name: 'next', type: 4, typeName: 'int4', tableName: '', nullable: 1 }),
      ]);
    });

    it('keeps both columns of a result whose column names repeat', async () => {
      expect((await run('SELECT 1 AS a, 2 AS a')).records?.[0]).toEqual([{ longValue: 1 }, { longValue: 2 }]);
    });
  });

  describe('statements and transactions', () => {
    it('runs one statement per call, and answers database errors with their SQLSTATE', async () => {
      expect(await failure(run('SELECT 1; SELECT 2'))).toMatchObject({ name: 'DatabaseErrorException', message: expect.stringContaining('cannot insert multiple commands') });
      expect(await failure(run('SELECT * FROM missing'))).toMatchObject({ name: 'DatabaseErrorException', status: 400, message: expect.stringMatching(/relation "missing" does not exist.*SQLState: 42P01/s) });
    });

    it('logs in as the user the secret names', async () => {
      expect((await run('SELECT current_user AS who', { formatRecordsAs: 'JSON' })).formattedRecords).toBe('[{"who":"postgres"}]');
    });

    it('keeps a transaction on one session: invisible to others until commit, gone on rollback, then not found', async () => {
      // Prepare
      const count = async () => Number((await run('SELECT count(*) AS n FROM counter')).records?.[0]?.[0]?.longValue);
      const before = await count();

      // Act + Assess
      const { transactionId } = await client.send(new BeginTransactionCommand({ ...target, database }));
      await run('INSERT INTO counter (n) VALUES (1)', { transactionId });
      expect(await count()).toBe(before);
      expect((await client.send(new CommitTransactionCommand({ ...target, transactionId }))).transactionStatus).toBe('Transaction Committed');
      expect(await count()).toBe(before + 1);
      expect(await failure(run('SELECT 1', { transactionId }))).toMatchObject({ name: 'TransactionNotFoundException', status: 404 });

      const second = await client.send(new BeginTransactionCommand({ ...target, database }));
      await run('INSERT INTO counter (n) VALUES (2)', { transactionId: second.transactionId });
      expect((await client.send(new RollbackTransactionCommand({ ...target, transactionId: second.transactionId }))).transactionStatus).toBe('Rollback Complete');
      expect(await count()).toBe(before + 1);
      expect(await failure(client.send(new CommitTransactionCommand({ ...target, transactionId: second.transactionId })))).toMatchObject({ name: 'TransactionNotFoundException' });
    });

    it('ends a transaction whose statement fails in the database: what it did is rolled back and its id is not found', async () => {
      // Prepare
      const { transactionId } = await client.send(new BeginTransactionCommand({ ...target, database }));
      await run('INSERT INTO counter (n) VALUES (100)', { transactionId });

      // Act
      const failed = await failure(run('INSERT INTO counter (n) VALUES (100)', { transactionId }));

      // Assess
      expect(failed).toMatchObject({ name: 'DatabaseErrorException', message: expect.stringContaining('SQLState: 23505') });
      expect(await failure(run('SELECT 1', { transactionId }))).toMatchObject({ name: 'TransactionNotFoundException', message: expect.stringContaining('aborted due to an error') });
      expect((await run('SELECT count(*) AS n FROM counter WHERE n = 100')).records?.[0]).toEqual([{ longValue: 0 }]);
    });

    it('runs a batch once per parameter set, all or nothing, and inside a transaction', async () => {
      // Act
      const sets = [300, 301, 302].map((n) => [{ name: 'n', value: { longValue: n } }]);
      const batch = await client.send(new BatchExecuteStatementCommand({ ...target, database, sql: 'INSERT INTO counter (n) VALUES (:n)', parameterSets: sets }));
      const failed = await failure(
        client.send(new BatchExecuteStatementCommand({ ...target, database, sql: 'INSERT INTO counter (n) VALUES (:n)', parameterSets: [[{ name: 'n', value: { longValue: 400 } }], ...sets] })),
      );
      const { transactionId } = await client.send(new BeginTransactionCommand({ ...target, database }));
      await client.send(new BatchExecuteStatementCommand({ ...target, database, sql: 'INSERT INTO counter (n) VALUES (:n)', parameterSets: [[{ name: 'n', value: { longValue: 500 } }]], transactionId }));
      const inTransaction = (await run('SELECT count(*) AS n FROM counter WHERE n = 500')).records?.[0];
      await client.send(new CommitTransactionCommand({ ...target, transactionId }));

      // Assess
      expect(batch.updateResults).toEqual([{ generatedFields: [] }, { generatedFields: [] }, { generatedFields: [] }]);
      expect(failed).toMatchObject({ name: 'DatabaseErrorException', message: expect.stringContaining('SQLState: 23505') });
      expect((await run('SELECT array_agg(n ORDER BY n) AS ns FROM counter WHERE n >= 300')).records?.[0]).toEqual([{ arrayValue: { longValues: [300, 301, 302, 500] } }]);
      expect(inTransaction).toEqual([{ longValue: 0 }]);
      expect(await failure(client.send(new BatchExecuteStatementCommand({ ...target, database, sql: 'SELECT :a', parameterSets: [[{ name: 'a', value: { arrayValue: { stringValues: ['x'] } } }]] })))).toMatchObject({
        name: 'BadRequestException',
      });
    });
  });

  describe('errors and limits', () => {
    it('names each error as the current model does, with its status', async () => {
      const arn = 'arn:aws:rds:us-east-1:000000000000:cluster:nope';
      expect(await failure(client.send(new ExecuteStatementCommand({ ...target, resourceArn: arn, database, sql: 'SELECT 1' })))).toMatchObject({ name: 'HttpEndpointNotEnabledException', status: 400 });
      expect(await failure(client.send(new ExecuteStatementCommand({ ...target, secretArn: `${target.secretArn}-nope`, database, sql: 'SELECT 1' })))).toMatchObject({ name: 'SecretsErrorException', status: 400 });
      expect(await failure(client.send(new ExecuteStatementCommand({ ...target, database: 'no_such_database', sql: 'SELECT 1' })))).toMatchObject({
        name: 'DatabaseErrorException',
        status: 400,
        message: expect.stringMatching(/database "no_such_database" does not exist.*SQLState: 3D000/s),
      });
      expect(await failure(run('SELECT 1', { transactionId: 'bm90IGEgdHJhbnNhY3Rpb24=' }))).toMatchObject({ name: 'TransactionNotFoundException', status: 404 });
      expect(await failure(run('SELECT 1', { schema: 'public' }))).toMatchObject({ name: 'BadRequestException', status: 400 });
    });

    it('refuses a row over 64 KB and a result over 1 MiB, and answers one just under both', async () => {
      expect(await failure(run(`SELECT repeat('x', 70000) AS big`))).toMatchObject({ name: 'UnsupportedResultException', message: expect.stringContaining('Packet for query is too large') });
      expect(await failure(run(`SELECT repeat('x', 60000) AS big FROM generate_series(1, 20)`))).toMatchObject({ name: 'UnsupportedResultException', message: expect.stringContaining('response size limit') });
      expect((await run(`SELECT repeat('x', 60000) AS big FROM generate_series(1, 16)`)).records).toHaveLength(16);
      const master = await masterClient(database);
      expect((await master.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await master.end();
    });

    it('answers every call with a request id', async () => {
      const [first, second] = await Promise.all([run('SELECT 1'), run('SELECT 1')]);
      expect(first.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(second.$metadata.requestId).not.toBe(first.$metadata.requestId);
    });
  });
});
