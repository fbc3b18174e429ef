import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import pg from 'pg';

/**
 * The RDS Data API locally: the REST-JSON wire protocol the `@aws-sdk/client-rds-data` client speaks,
 * over a real PostgreSQL. As the service does, it logs in as the user the secret names, runs exactly
 * one statement per ExecuteStatement (extended protocol), keeps a transaction on one session, answers
 * AWS-shaped records, metadata and JSON, and AWS-shaped errors (`x-amzn-ErrorType`).
 */
export interface LocalDataApiOptions {
  port: number;
  /** The PostgreSQL server behind each cluster ARN (more can be added while it runs). */
  clusters: Record<string, PostgresServer>;
  secrets: Record<string, { username: string; password: string }>;
  /** An idle transaction is rolled back after this long (the service: 3 minutes). */
  transactionTimeoutMs?: number;
}

export interface PostgresServer {
  host: string;
  port: number;
}

export interface LocalDataApi {
  endpoint: string;
  addSecret(arn: string, login: { username: string; password: string }): void;
  addCluster(arn: string, server: PostgresServer): void;
  stop(): Promise<void>;
}

/**
 * Test controls, outside the AWS protocol, all scoped to one secret ARN so that a test counts and
 * breaks only its own calls while other test files use the same endpoint:
 * - `POST /_local/secrets` `{arn, username, password}`: a new secret (as Secrets Manager would hold);
 * - `GET /_local/calls?secret_arn=…`: ExecuteStatement calls made with that secret;
 * - `POST /_local/faults` `{secret_arn, count, skip?, operation?, delay_ms?, error_type?, message?}`:
 *   after `skip` calls, the next `count` calls of `operation` (`Execute` by default; also `BeginTransaction`,
 *   `CommitTransaction`, `RollbackTransaction`) with that secret first wait `delay_ms` (a stalled
 *   database: the call then runs, as it would on a server that was only slow), and then fail with
 *   `error_type` before running anything, if one is given.
 */
type Operation = 'Execute' | 'BeginTransaction' | 'CommitTransaction' | 'RollbackTransaction';

interface Fault {
  skip: number;
  count: number;
  operation: Operation;
  delayMs: number;
  type: string | undefined;
  message: string;
}

const RESPONSE_LIMIT_BYTES = 1024 * 1024;

class DataApiError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface SqlParameter {
  name?: string;
  value?: {
    isNull?: boolean;
    booleanValue?: boolean;
    longValue?: number;
    doubleValue?: number;
    stringValue?: string;
    blobValue?: string;
  };
  typeHint?: string;
}

interface ExecuteRequest {
  resourceArn?: string;
  secretArn?: string;
  sql?: string;
  database?: string;
  parameters?: SqlParameter[];
  transactionId?: string;
  includeResultMetadata?: boolean;
  formatRecordsAs?: 'NONE' | 'JSON';
}

interface OpenTransaction {
  client: pg.Client;
  secretArn: string;
  timer: NodeJS.Timeout;
  busy: Promise<unknown>;
}

type ServerLogin = PostgresServer & { username: string; password: string };

const RAW_TEXT = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

/** `:name` placeholders to `$n`, outside string literals, quoted identifiers and `::` casts. */
export function toPositional(sql: string, parameters: SqlParameter[]): { text: string; values: (string | null)[] } {
  const names = parameters.map((parameter) => parameter.name ?? '');
  const values: (string | null)[] = [];
  const indexOf = new Map<string, number>();
  let text = '';
  for (let index = 0; index < sql.length; index++) {
    const char = sql[index] ?? '';
    if (char === "'" || char === '"') {
      const end = sql.indexOf(char, index + 1);
      const stop = end === -1 ? sql.length : end;
      text += sql.slice(index, stop + 1);
      index = stop;
      continue;
    }
    // Comments and dollar-quoted bodies are copied as they are: a `:word` in them is not a parameter.
    if (char === '-' && sql[index + 1] === '-') {
      const end = sql.indexOf('\n', index);
      const stop = end === -1 ? sql.length : end;
      text += sql.slice(index, stop);
      index = stop - 1;
      continue;
    }
    const dollar = char === '$' ? /^\$[A-Za-z_]*\$/.exec(sql.slice(index)) : null;
    if (dollar) {
      const end = sql.indexOf(dollar[0], index + dollar[0].length);
      const stop = end === -1 ? sql.length : end + dollar[0].length;
      text += sql.slice(index, stop);
      index = stop - 1;
      continue;
    }
    if (char === ':' && sql[index + 1] === ':') {
      text += '::';
      index++;
      continue;
    }
    const match = char === ':' ? /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(index + 1)) : null;
    if (match && names.includes(match[0])) {
      const name = match[0];
      let position = indexOf.get(name);
      if (position === undefined) {
        const parameter = parameters[names.indexOf(name)];
        values.push(parameterText(parameter?.value));
        position = values.length;
        indexOf.set(name, position);
      }
      text += `$${position}`;
      index += name.length;
      continue;
    }
    text += char;
  }
  return { text, values };
}

function parameterText(value: SqlParameter['value']): string | null {
  if (!value || value.isNull) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.longValue !== undefined) return String(value.longValue);
  if (value.doubleValue !== undefined) return String(value.doubleValue);
  if (value.booleanValue !== undefined) return String(value.booleanValue);
  if (value.blobValue !== undefined) return `\\x${Buffer.from(value.blobValue, 'base64').toString('hex')}`;
  return null;
}

const LONG_TYPES = new Set([20, 21, 23, 26]);
const DOUBLE_TYPES = new Set([700, 701]);
const BOOL = 16;
const BYTEA = 17;

type Field = Record<string, unknown>;

/** A PostgreSQL text value as the Data API types it. */
function fieldOf(value: unknown, typeId: number): Field {
  if (value === null || value === undefined) return { isNull: true };
  const text = String(value);
  if (typeId === BOOL) return { booleanValue: text === 't' };
  if (LONG_TYPES.has(typeId)) return { longValue: Number(text) };
  if (DOUBLE_TYPES.has(typeId)) return { doubleValue: Number(text) };
  if (typeId === BYTEA) return { blobValue: Buffer.from(text.replace(/^\\x/, ''), 'hex').toString('base64') };
  return { stringValue: text };
}

function jsonValueOf(value: unknown, typeId: number): unknown {
  if (value === null || value === undefined) return null;
  const text = String(value);
  if (typeId === BOOL) return text === 't';
  if (LONG_TYPES.has(typeId) || DOUBLE_TYPES.has(typeId)) return Number(text);
  return text;
}

/** The service's message for a database error, with the SQLSTATE. */
function databaseError(error: pg.DatabaseError): DataApiError {
  const position = error.position ? `\n  Position: ${error.position}` : '';
  return new DataApiError('DatabaseErrorException', 400, `ERROR: ${error.message}${position}; SQLState: ${error.code ?? 'XX000'}`);
}

function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        resolve(chunks.length === 0 ? {} : (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>));
      } catch {
        reject(new DataApiError('BadRequestException', 400, 'Request body is not valid JSON'));
      }
    });
    request.on('error', reject);
  });
}

export async function startLocalDataApi(options: LocalDataApiOptions): Promise<LocalDataApi> {
  const secrets = new Map(Object.entries(options.secrets));
  const clusters = new Map(Object.entries(options.clusters));
  const pools = new Map<string, pg.Pool>();
  const transactions = new Map<string, OpenTransaction>();
  const timeoutMs = options.transactionTimeoutMs ?? 180_000;
  const callsBySecret = new Map<string, number>();
  const faultsBySecret = new Map<string, Fault>();

  /** The secret's login on the server of the cluster asked for. */
  const loginFor = (body: ExecuteRequest): ServerLogin => {
    const cluster = body.resourceArn ? clusters.get(body.resourceArn) : undefined;
    if (!cluster) throw new DataApiError('BadRequestException', 400, `HttpEndpoint is not enabled for resource ${body.resourceArn ?? ''}`);
    const login = body.secretArn ? secrets.get(body.secretArn) : undefined;
    if (!login) throw new DataApiError('BadRequestException', 400, `Error fetching secret ${body.secretArn ?? ''} : Secrets Manager can't find the specified secret.`);
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

  const poolFor = (login: ServerLogin, database: string) => {
    const key = JSON.stringify([login.host, login.port, login.username, database]);
    let pool = pools.get(key);
    if (!pool) {
      pool = new pg.Pool({ ...connectionConfig(login, database), max: 8, idleTimeoutMillis: 10_000 });
      pool.on('error', () => {});
      pools.set(key, pool);
    }
    return pool;
  };

  const expire = (id: string) => {
    const open = transactions.get(id);
    if (!open) return;
    transactions.delete(id);
    void open.client
      .query('ROLLBACK')
      .catch(() => {})
      .finally(() => open.client.end().catch(() => {}));
  };

  const transactionFor = (id: string): OpenTransaction => {
    const open = transactions.get(id);
    if (!open) throw new DataApiError('NotFoundException', 404, `Transaction ${id} is not found`);
    clearTimeout(open.timer);
    open.timer = setTimeout(() => expire(id), timeoutMs);
    return open;
  };

  const run = async (client: pg.ClientBase, body: ExecuteRequest) => {
    const { text, values } = toPositional(body.sql ?? '', body.parameters ?? []);
    try {
      return await client.query({ text, values, queryMode: 'extended', types: RAW_TEXT } as pg.QueryConfig);
    } catch (error) {
      if (error instanceof pg.DatabaseError) throw databaseError(error);
      throw error;
    }
  };

  /** Commit or rollback: the transaction's session ends either way; a failed rollback is not an error. */
  /** Plays the fault armed for this secret and operation, if any. */
  const faultOf = async (operation: Operation, body: ExecuteRequest) => {
    const fault = faultsBySecret.get(body.secretArn ?? '');
    if (!fault || fault.count <= 0 || fault.operation !== operation) return;
    if (fault.skip > 0) {
      fault.skip--;
      return;
    }
    fault.count--;
    if (fault.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault.type) throw new DataApiError(fault.type, 400, fault.message);
  };

  const endTransaction = async (body: ExecuteRequest, command: 'COMMIT' | 'ROLLBACK') => {
    loginFor(body);
    const open = transactionFor(body.transactionId ?? '');
    transactions.delete(body.transactionId ?? '');
    clearTimeout(open.timer);
    try {
      // A fault plays once the call is accepted: a stalled commit still commits, after its caller
      // may have given up; a failed one leaves nothing committed.
      await faultOf(command === 'COMMIT' ? 'CommitTransaction' : 'RollbackTransaction', body).catch(async (error: unknown) => {
        await open.client.query('ROLLBACK').catch(() => {});
        throw error;
      });
      await open.busy;
      await open.client.query(command);
    } catch (error) {
      if (error instanceof DataApiError) throw error;
      if (command === 'COMMIT') throw error instanceof pg.DatabaseError ? databaseError(error) : error;
    } finally {
      await open.client.end().catch(() => {});
    }
    return { transactionStatus: command === 'COMMIT' ? 'Transaction Committed' : 'Rollback Complete' };
  };

  const operations: Record<string, (body: Record<string, unknown>) => Promise<unknown>> = {
    '/Execute': async (raw) => {
      const body = raw as ExecuteRequest;
      const login = loginFor(body);
      const secretArn = body.secretArn ?? '';
      callsBySecret.set(secretArn, (callsBySecret.get(secretArn) ?? 0) + 1);
      await faultOf('Execute', body);
      if (!body.sql) throw new DataApiError('BadRequestException', 400, 'SQL statement is required');
      let result: pg.QueryResult;
      if (body.transactionId) {
        const open = transactionFor(body.transactionId);
        if (open.secretArn !== body.secretArn) throw new DataApiError('BadRequestException', 400, 'The transaction was started with another secret');
        // One session runs one statement at a time, as the service serialises a transaction's calls.
        const next = open.busy.then(() => run(open.client, body));
        open.busy = next.catch(() => {});
        result = await next;
      } else {
        const client = await poolFor(login, body.database ?? 'postgres').connect();
        try {
          result = await run(client, body);
        } finally {
          client.release();
        }
      }
      const fields = result.fields ?? [];
      const answer: Record<string, unknown> = { numberOfRecordsUpdated: result.command === 'SELECT' ? 0 : (result.rowCount ?? 0), generatedFields: [] };
      if (body.formatRecordsAs === 'JSON') {
        answer.formattedRecords = JSON.stringify(
          result.rows.map((row: Record<string, unknown>) => Object.fromEntries(fields.map((field) => [field.name, jsonValueOf(row[field.name], field.dataTypeID)]))),
        );
      } else if (fields.length > 0) {
        answer.records = result.rows.map((row: Record<string, unknown>) => fields.map((field) => fieldOf(row[field.name], field.dataTypeID)));
      }
      if (body.includeResultMetadata) {
        answer.columnMetadata = fields.map((field) => ({ name: field.name, label: field.name, type: field.dataTypeID, typeName: String(field.dataTypeID), nullable: 2 }));
      }
      return answer;
    },
    '/BeginTransaction': async (raw) => {
      const body = raw as ExecuteRequest;
      const login = loginFor(body);
      await faultOf('BeginTransaction', body);
      const client = new pg.Client(connectionConfig(login, body.database ?? 'postgres'));
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query('BEGIN');
      } catch (error) {
        await client.end().catch(() => {});
        if (error instanceof pg.DatabaseError) throw databaseError(error);
        throw error;
      }
      const id = randomBytes(48).toString('base64');
      transactions.set(id, { client, secretArn: body.secretArn ?? '', timer: setTimeout(() => expire(id), timeoutMs), busy: Promise.resolve() });
      return { transactionId: id };
    },
    '/CommitTransaction': (raw) => endTransaction(raw as ExecuteRequest, 'COMMIT'),
    '/RollbackTransaction': (raw) => endTransaction(raw as ExecuteRequest, 'ROLLBACK'),
  };

  const control = async (path: string, request: IncomingMessage, url: URL): Promise<unknown> => {
    if (path === '/_local/calls' && request.method === 'GET') {
      const secretArn = url.searchParams.get('secret_arn');
      if (!secretArn) throw new DataApiError('BadRequestException', 400, 'secret_arn is required: calls are counted per secret');
      return { execute_calls: callsBySecret.get(secretArn) ?? 0 };
    }
    const body = await readJson(request);
    if (path === '/_local/faults' && request.method === 'POST') {
      const fault = body as { secret_arn?: string; count?: number; skip?: number; operation?: Operation; delay_ms?: number; error_type?: string; message?: string };
      const secretArn = fault.secret_arn;
      if (!secretArn || !secrets.has(secretArn)) throw new DataApiError('BadRequestException', 400, 'secret_arn must name a known secret: faults are armed per secret');
      const count = fault.count ?? 1;
      // Without a delay, a fault is an error (a resuming cluster unless told otherwise).
      const type = fault.error_type ?? (fault.delay_ms ? undefined : 'DatabaseResumingException');
      faultsBySecret.set(secretArn, { skip: fault.skip ?? 0, count, operation: fault.operation ?? 'Execute', delayMs: fault.delay_ms ?? 0, type, message: fault.message ?? `${type} injected by the local Data API` });
      return { armed: count };
    }
    if (path === '/_local/secrets' && request.method === 'POST') {
      const { arn, username, password } = body as { arn?: string; username?: string; password?: string };
      if (!arn || !username || password === undefined) throw new DataApiError('BadRequestException', 400, 'arn, username and password are required');
      secrets.set(arn, { username, password });
      return { arn };
    }
    throw new DataApiError('UnknownOperationException', 404, `Unknown local control ${request.method} ${path}`);
  };

  const server: Server = createServer(async (request, response) => {
    const send = (status: number, body: unknown, errorType?: string) => {
      response.writeHead(status, { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
      response.end(JSON.stringify(body));
    };
    try {
      const url = new URL(request.url ?? '/', 'http://local');
      const path = url.pathname;
      if (path.startsWith('/_local/')) return send(200, await control(path, request, url));
      const operation = operations[path];
      if (!operation || request.method !== 'POST') return send(404, { message: 'Unknown operation' }, 'UnknownOperationException');
      const answer = await operation(await readJson(request));
      const text = JSON.stringify(answer);
      if (Buffer.byteLength(text) > RESPONSE_LIMIT_BYTES) {
        return send(400, { message: 'Database returned more than the allowed response size limit' }, 'BadRequestException');
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(text);
    } catch (error) {
      if (error instanceof DataApiError) return send(error.status, { message: error.message }, error.type);
      send(500, { message: 'Internal error' }, 'InternalServerErrorException');
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
      for (const id of [...transactions.keys()]) expire(id);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...pools.values()].map((pool) => pool.end().catch(() => {})));
    },
  };
}
