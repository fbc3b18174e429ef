import { randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import pg from 'pg';
import { LocalControls, type Login } from './controls';
import { mysqlDataApi } from './mysql';
import { badRequest, DataApiError, fromDatabase } from './errors';
import { type BoundStatement, bindNamedParameters, type SqlParameter } from './parameters';
import { PgTypes } from './pg-types';
import { checkSize, columnMetadataOf, formattedRecordsOf, type RawResult, recordsOf, type ResultSetOptions } from './results';
import { beginPostgres, Transactions } from './transactions';
import { parseRequestBody, readBody, stringifyExact } from './wire';

/**
 * The RDS Data API locally: the REST-JSON wire protocol the `@aws-sdk/client-rds-data` client speaks,
 * over a real PostgreSQL. As the service does, it logs in as the user the secret names, binds
 * parameters with their types, runs exactly one statement per ExecuteStatement (extended protocol),
 * keeps a transaction on one session, answers records, JSON, metadata and errors as the service
 * does, and refuses results over its size limits. What it does where the documentation is silent is
 * in the README ("Local stack").
 */
export interface LocalDataApiOptions {
  port: number;
  /** The database server behind each cluster ARN (more can be added while it runs). */
  clusters: Record<string, DatabaseServer>;
  secrets: Record<string, Login>;
  /** An idle transaction is rolled back after this long (the service: 3 minutes). */
  transactionTimeoutMs?: number;
  /** How long every call waits before it runs, as a round trip to the service would (default 0). */
  latencyMs?: number;
}

export interface PostgresServer {
  host: string;
  port: number;
}

/** A cluster's server: PostgreSQL unless it is an Aurora MySQL cluster (served by `./mysql.ts`). */
export interface DatabaseServer extends PostgresServer {
  engine?: 'postgresql' | 'mysql';
}

export interface LocalDataApi {
  endpoint: string;
  addSecret(arn: string, login: Login): void;
  addCluster(arn: string, server: DatabaseServer): void;
  stop(): Promise<void>;
}

/** The members of the operations' requests this endpoint reads. */
interface StatementRequest {
  resourceArn?: string;
  secretArn?: string;
  sql?: string;
  database?: string;
  schema?: string;
  parameters?: SqlParameter[];
  parameterSets?: SqlParameter[][];
  transactionId?: string;
  includeResultMetadata?: boolean;
  formatRecordsAs?: string;
  resultSetOptions?: ResultSetOptions;
}

type ServerLogin = DatabaseServer & Login;

/** Values stay PostgreSQL text: the Data API shapes them from the column types itself. */
const RAW_TEXT = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

async function runStatement(client: pg.ClientBase, statement: BoundStatement): Promise<RawResult & { command: string; rowCount: number }> {
  const result = (await client.query({ ...statement, rowMode: 'array', types: RAW_TEXT, queryMode: 'extended' } as pg.QueryArrayConfig)) as pg.QueryArrayResult<(string | null)[]>;
  return { fields: result.fields ?? [], rows: result.rows, command: result.command, rowCount: result.rowCount ?? 0 };
}

/** Databases with a pool of open sessions at once, across all servers. */
const MAX_POOLS = 20;

export async function startLocalDataApi(options: LocalDataApiOptions): Promise<LocalDataApi> {
  const secrets = new Map(Object.entries(options.secrets));
  const clusters = new Map(Object.entries(options.clusters));
  const pools = new Map<string, pg.Pool>();
  const transactions = new Transactions<pg.Client>(options.transactionTimeoutMs ?? 180_000);
  const controls = new LocalControls(secrets, options.latencyMs);
  const pgTypes = new PgTypes();

  /** The secret's login on the server of the cluster asked for. */
  const loginFor = (body: StatementRequest): ServerLogin => {
    const cluster = body.resourceArn ? clusters.get(body.resourceArn) : undefined;
    if (!cluster) throw new DataApiError('HttpEndpointNotEnabledException', `HttpEndpoint is not enabled for cluster ${body.resourceArn ?? ''}`);
    const login = body.secretArn ? secrets.get(body.secretArn) : undefined;
    if (!login) throw new DataApiError('SecretsErrorException', `Error fetching secret ${body.secretArn ?? ''} : Secrets Manager can't find the specified secret.`);
    return { ...cluster, ...login };
  };

  const connectionConfig = (login: ServerLogin, database: string): pg.ClientConfig => ({
    host: login.host,
    port: login.port,
    user: login.username,
    password: login.password,
    database,
    types: RAW_TEXT,
  });

  /**
   * One pool per database keeps idle sessions open: a job fanning out over hundreds of databases
   * would use up the server's connections (the service's proxy never does). Past MAX_POOLS, the
   * least recently used pools close; a session in use ends when it is released.
   */
  const closeLeastRecentPools = () => {
    for (const [key, pool] of pools) {
      if (pools.size < MAX_POOLS) break;
      pools.delete(key);
      pool.end().catch(() => undefined);
    }
  };

  const pooledClient = async (login: ServerLogin, database: string): Promise<pg.PoolClient> => {
    const key = JSON.stringify([login.host, login.port, login.username, database]);
    let pool = pools.get(key);
    if (pool) {
      // Most recently used last: the pools to close first are at the front.
      pools.delete(key);
    } else {
      pool = new pg.Pool({ ...connectionConfig(login, database), max: 8, idleTimeoutMillis: 10_000 });
      pool.on('error', () => {});
      closeLeastRecentPools();
    }
    pools.set(key, pool);
    try {
      return await pool.connect();
    } catch (error) {
      throw fromDatabase(error);
    }
  };

  /** Runs on the transaction's session, or on a pooled one that commits on its own. */
  const onSession = async <T>(login: ServerLogin, body: StatementRequest, work: (client: pg.ClientBase, database: string) => Promise<T>): Promise<T> => {
    if (body.transactionId) return transactions.run(body.transactionId, body.secretArn ?? '', work);
    const database = body.database ?? 'postgres';
    const client = await pooledClient(login, database);
    try {
      return await work(client, database);
    } catch (error) {
      throw fromDatabase(error);
    } finally {
      client.release();
    }
  };

  const checkStatement = (body: StatementRequest) => {
    if (!body.sql) throw badRequest('SQL statement is required');
    // "Schema parameter isn't supported" (data-api.troubleshooting).
    if (body.schema !== undefined) throw badRequest('The schema parameter is not supported');
  };

  const mysqlSide = mysqlDataApi<StatementRequest>({ loginFor, controls, checkStatement, transactionTimeoutMs: options.transactionTimeoutMs ?? 180_000 });
  const isMysql = (body: StatementRequest) => (body.resourceArn ? clusters.get(body.resourceArn)?.engine === 'mysql' : false);

  const execute = async (body: StatementRequest) => {
    const login = loginFor(body);
    controls.count('Execute', body.secretArn ?? '');
    await controls.play('Execute', body.secretArn ?? '');
    checkStatement(body);
    const statement = bindNamedParameters(body.sql ?? '', body.parameters ?? []);
    const resultOptions = body.resultSetOptions ?? {};
    return onSession(login, body, async (client, database) => {
      const result = await runStatement(client, statement);
      checkSize(result);
      const types = await pgTypes.resolve(client, `${login.host}:${login.port}/${database}`, result.fields.map((field) => field.dataTypeID));
      const answer: Record<string, unknown> = { numberOfRecordsUpdated: result.command === 'SELECT' ? 0 : result.rowCount, generatedFields: [] };
      if (body.formatRecordsAs === 'JSON') {
        // "In this case, the columnMetadata is null" (data-api-json).
        answer.formattedRecords = formattedRecordsOf(result, types, resultOptions);
        return answer;
      }
      if (result.fields.length > 0) answer.records = recordsOf(result, types, resultOptions);
      if (body.includeResultMetadata) answer.columnMetadata = await columnMetadataOf(client, result, types);
      return answer;
    });
  };

  /**
   * One statement over each parameter set, all or nothing when outside a transaction (the driver
   * sends a batch as one implicit transaction); no result sets, one update result per set
   * (https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/API_BatchExecuteStatement.html).
   */
  const batchExecute = async (body: StatementRequest) => {
    const login = loginFor(body);
    controls.count('BatchExecute', body.secretArn ?? '');
    await controls.play('BatchExecute', body.secretArn ?? '');
    checkStatement(body);
    const statements = (body.parameterSets ?? []).map((set) => bindNamedParameters(body.sql ?? '', set));
    const runAll = async (client: pg.ClientBase) => {
      for (const statement of statements) await runStatement(client, statement);
      return { updateResults: statements.map(() => ({ generatedFields: [] })) };
    };
    if (body.transactionId) return onSession(login, body, runAll);
    return onSession(login, body, async (client) => {
      await client.query('BEGIN');
      try {
        const answer = await runAll(client);
        await client.query('COMMIT');
        return answer;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
  };

  const operations: Record<string, (body: StatementRequest) => Promise<unknown>> = {
    '/Execute': execute,
    '/BatchExecute': batchExecute,
    '/BeginTransaction': async (body) => {
      const login = loginFor(body);
      await controls.play('BeginTransaction', body.secretArn ?? '');
      if (body.schema !== undefined) throw badRequest('The schema parameter is not supported');
      const database = body.database ?? 'postgres';
      return { transactionId: await transactions.begin(() => beginPostgres(connectionConfig(login, database)), body.secretArn ?? '', database) };
    },
    '/CommitTransaction': async (body) => {
      loginFor(body);
      await transactions.end(body.transactionId ?? '', 'COMMIT', () => controls.play('CommitTransaction', body.secretArn ?? ''));
      return { transactionStatus: 'Transaction Committed' };
    },
    '/RollbackTransaction': async (body) => {
      loginFor(body);
      await transactions.end(body.transactionId ?? '', 'ROLLBACK', () => controls.play('RollbackTransaction', body.secretArn ?? ''));
      return { transactionStatus: 'Rollback Complete' };
    },
  };

  const server: Server = createServer(async (request, response) => {
    const send = (status: number, text: string, errorType?: string) => reply(response, status, text, errorType);
    try {
      const url = new URL(request.url ?? '/', 'http://local');
      const body = parseRequestBody(await readBody(request));
      if (url.pathname.startsWith('/_local/')) return send(200, JSON.stringify(await controls.handle(url.pathname, request.method ?? '', url, body)));
      const operation = (isMysql(body as StatementRequest) ? mysqlSide.operations : operations)[url.pathname];
      if (!operation || request.method !== 'POST') return send(404, JSON.stringify({ message: 'Unknown operation' }), 'UnknownOperationException');
      await controls.delay((body as StatementRequest).secretArn ?? '');
      send(200, stringifyExact(await operation(body as StatementRequest)));
    } catch (error) {
      const answer = fromDatabase(error);
      if (answer instanceof DataApiError) return send(answer.status, JSON.stringify({ message: answer.message }), answer.type);
      send(500, JSON.stringify({ message: 'Internal error' }), 'InternalServerErrorException');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });

  return {
    endpoint: `http://127.0.0.1:${options.port}`,
    addSecret: (arn, login) => secrets.set(arn, login),
    addCluster: (arn, cluster) => clusters.set(arn, cluster),
    stop: async () => {
      transactions.stop();
      await mysqlSide.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...pools.values()].map((pool) => pool.end().catch(() => {})));
    },
  };
}

/** Every answer carries a request id, as AWS services do (`x-amzn-RequestId`). */
function reply(response: ServerResponse, status: number, text: string, errorType?: string): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-RequestId': randomUUID(),
    ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
  });
  response.end(text);
}
