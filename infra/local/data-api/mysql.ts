import mysql from 'mysql2/promise';
import type { LocalControls, Login } from './controls';
import { fromDatabase } from './errors';
import { type MysqlRawResult, mysqlColumnMetadataOf, mysqlFormattedRecordsOf, mysqlRecordsOf, mysqlRowSizes } from './mysql-results';
import { bindMysqlParameters } from './mysql-parameters';
import { checkRowSizes } from './results';
import { type TransactionSession, Transactions } from './transactions';

/** The members of a statement request the MySQL side reads (the server's request shape). */
export interface MysqlStatementRequest {
  secretArn?: string;
  sql?: string;
  database?: string;
  parameters?: Parameters<typeof bindMysqlParameters>[1];
  parameterSets?: Parameters<typeof bindMysqlParameters>[1][];
  transactionId?: string;
  includeResultMetadata?: boolean;
  formatRecordsAs?: string;
  resultSetOptions?: Parameters<typeof mysqlRecordsOf>[1];
}

export interface MysqlLogin extends Login {
  host: string;
  port: number;
}

/** What the server shares with its MySQL side: who logs in where, the test controls, the request checks. */
export interface MysqlDataApiContext<Request extends MysqlStatementRequest> {
  loginFor(body: Request): MysqlLogin;
  controls: LocalControls;
  checkStatement(body: Request): void;
  transactionTimeoutMs: number;
}

/** Every value as the bytes MySQL sent (text protocol), whatever its type: the Data API shapes them. */
const RAW_BYTES = { typeCast: (field: { buffer(): Buffer | null }) => field.buffer() };

/** One statement's result set, or its update count and auto-increment id. */
interface MysqlOutcome extends MysqlRawResult {
  isResultSet: boolean;
  affectedRows: number;
  insertId: number;
}

async function runStatement(connection: mysql.PoolConnection | mysql.Connection, sql: string): Promise<MysqlOutcome> {
  const [rows, fields] = await connection.query({ sql, rowsAsArray: true, ...RAW_BYTES });
  if (Array.isArray(rows)) return { isResultSet: true, fields: fields ?? [], rows: rows as unknown as (Buffer | null)[][], affectedRows: 0, insertId: 0 };
  const header = rows as mysql.ResultSetHeader;
  return { isResultSet: false, fields: [], rows: [], affectedRows: header.affectedRows, insertId: header.insertId };
}

/**
 * The local Data API's side for Aurora MySQL clusters, over a MySQL-compatible server through mysql2:
 * the same operations, controls and limits as for PostgreSQL, with MySQL's parameters (client-side
 * literals, as the service's driver makes them), result shapes and errors. The Data API's `database`
 * is the default schema; without it the session has none.
 */
export function mysqlDataApi<Request extends MysqlStatementRequest>(context: MysqlDataApiContext<Request>) {
  const pools = new Map<string, mysql.Pool>();
  const transactions = new Transactions<mysql.Connection>(context.transactionTimeoutMs);
  const settings = (login: MysqlLogin, database: string | undefined) => ({
    host: login.host,
    port: login.port,
    user: login.username,
    password: login.password,
    database: database || undefined,
    charset: 'utf8mb4_unicode_ci',
  });

  const onSession = async <T>(body: Request, work: (connection: mysql.Connection) => Promise<T>): Promise<T> => {
    if (body.transactionId) return transactions.run(body.transactionId, body.secretArn ?? '', (connection) => work(connection));
    const login = context.loginFor(body);
    const key = JSON.stringify([login.host, login.port, login.username, login.password, body.database ?? '']);
    let pool = pools.get(key);
    if (!pool) {
      pool = mysql.createPool({ ...settings(login, body.database), connectionLimit: 8, maxIdle: 2, idleTimeout: 10_000 });
      pools.set(key, pool);
    }
    let connection: mysql.PoolConnection | undefined;
    try {
      connection = await pool.getConnection();
      return await work(connection);
    } catch (error) {
      throw fromDatabase(error);
    } finally {
      connection?.release();
    }
  };

  const execute = async (body: Request) => {
    context.loginFor(body);
    context.controls.count('Execute', body.secretArn ?? '');
    await context.controls.play('Execute', body.secretArn ?? '');
    context.checkStatement(body);
    const sql = bindMysqlParameters(body.sql ?? '', body.parameters ?? []);
    const options = body.resultSetOptions ?? {};
    return onSession(body, async (connection) => {
      const result = await runStatement(connection, sql);
      checkRowSizes(mysqlRowSizes(result));
      // For MySQL the service answers an auto-increment key in `generatedFields`.
      const answer: Record<string, unknown> = { numberOfRecordsUpdated: result.affectedRows, generatedFields: result.insertId ? [{ longValue: BigInt(result.insertId) }] : [] };
      if (body.formatRecordsAs === 'JSON') {
        answer.formattedRecords = result.isResultSet ? mysqlFormattedRecordsOf(result, options) : '[]';
        return answer;
      }
      if (result.isResultSet) answer.records = mysqlRecordsOf(result, options);
      if (body.includeResultMetadata && result.isResultSet) answer.columnMetadata = mysqlColumnMetadataOf(result);
      return answer;
    });
  };

  /** One statement over each parameter set, all or nothing when outside a transaction. */
  const batchExecute = async (body: Request) => {
    context.loginFor(body);
    context.controls.count('BatchExecute', body.secretArn ?? '');
    await context.controls.play('BatchExecute', body.secretArn ?? '');
    context.checkStatement(body);
    const statements = (body.parameterSets ?? []).map((set) => bindMysqlParameters(body.sql ?? '', set));
    const runAll = async (connection: mysql.Connection) => {
      const updateResults = [];
      for (const statement of statements) {
        const { insertId } = await runStatement(connection, statement);
        updateResults.push({ generatedFields: insertId ? [{ longValue: BigInt(insertId) }] : [] });
      }
      return { updateResults };
    };
    if (body.transactionId) return onSession(body, runAll);
    return onSession(body, async (connection) => {
      await connection.query('START TRANSACTION');
      try {
        const answer = await runAll(connection);
        await connection.query('COMMIT');
        return answer;
      } catch (error) {
        await connection.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
  };

  const begin = async (login: MysqlLogin, database: string | undefined): Promise<TransactionSession<mysql.Connection>> => {
    let connection: mysql.Connection | undefined;
    try {
      connection = await mysql.createConnection(settings(login, database));
      connection.on('error', () => {});
      await connection.query('START TRANSACTION');
    } catch (error) {
      await connection?.end().catch(() => {});
      throw fromDatabase(error);
    }
    const session = connection;
    return { client: session, command: (sql) => session.query(sql), end: () => session.end() };
  };

  const operations: Record<string, (body: Request) => Promise<unknown>> = {
    '/Execute': execute,
    '/BatchExecute': batchExecute,
    '/BeginTransaction': async (body) => {
      const login = context.loginFor(body);
      await context.controls.play('BeginTransaction', body.secretArn ?? '');
      return { transactionId: await transactions.begin(() => begin(login, body.database), body.secretArn ?? '', body.database ?? '') };
    },
    '/CommitTransaction': async (body) => {
      context.loginFor(body);
      await transactions.end(body.transactionId ?? '', 'COMMIT', () => context.controls.play('CommitTransaction', body.secretArn ?? ''));
      return { transactionStatus: 'Transaction Committed' };
    },
    '/RollbackTransaction': async (body) => {
      context.loginFor(body);
      await transactions.end(body.transactionId ?? '', 'ROLLBACK', () => context.controls.play('RollbackTransaction', body.secretArn ?? ''));
      return { transactionStatus: 'Rollback Complete' };
    },
  };

  return {
    operations,
    async stop() {
      transactions.stop();
      await Promise.all([...pools.values()].map((pool) => pool.end().catch(() => {})));
    },
  };
}
