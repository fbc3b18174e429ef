import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import pg from 'pg';

/**
 * The RDS Data API locally: the REST-JSON wire protocol `@aws-sdk/client-rds-data` speaks (POST
 * /Execute, /BatchExecute, /BeginTransaction, /CommitTransaction, /RollbackTransaction), over a real
 * PostgreSQL. Like the service it logs in as the user the secret names, runs exactly one statement per
 * call (extended protocol, typed parameters as JDBC sends them), keeps a transaction on one session,
 * answers AWS-shaped records, column metadata and JSON, enforces the response and row size limits,
 * the 45 s statement timeout and the 3 min transaction idle timeout, and fails with AWS-shaped errors
 * (`x-amzn-ErrorType` header, `{"message"}` body). It never logs: SQL may carry password verifiers.
 *
 * Not emulated: IAM and SigV4 (any credentials are accepted), the 24 h transaction cap, the 4 MiB
 * request limit's exact behaviour, `schema`, `resultSetOptions`, and ExecuteSql (Serverless v1 only).
 */
export interface LocalSecret {
  username: string;
  password: string;
  /** As in an RDS secret: the database used when a call names none. */
  dbname?: string;
}

export interface LocalDataApiOptions {
  port: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  postgres: { host: string; port: number };
  /** The cluster ARNs whose HTTP endpoint is enabled. */
  clusters?: Record<string, true>;
  /** Same as `clusters`, as a list. */
  clusterArns?: string[];
  secrets: Record<string, LocalSecret>;
  /** An idle transaction is rolled back after this long (the service: 3 minutes). */
  transactionTimeoutMs?: number;
  /** A call longer than this answers StatementTimeoutException (the service: 45 s). */
  statementTimeoutMs?: number;
  /** The service's 1 MiB limit on the result set of one call. */
  responseSizeLimitBytes?: number;
  /** The service's 64 KB limit on one row of a result set. */
  rowSizeLimitBytes?: number;
  /** Connections per (user, database) pool for calls outside a transaction. */
  poolSize?: number;
}

/** Errors that tests can make the next calls fail with, before anything runs. */
export type InjectableError =
  | 'DatabaseResumingException'
  | 'ThrottlingException'
  | 'TooManyRequestsException'
  | 'ServiceUnavailableError'
  | 'DatabaseUnavailableException'
  | 'InternalServerErrorException'
  | 'StatementTimeoutException';

export type DataApiOperation = 'Execute' | 'BatchExecute' | 'BeginTransaction' | 'CommitTransaction' | 'RollbackTransaction';

export interface LocalDataApi {
  endpoint: string;
  /** ExecuteStatement and BatchExecuteStatement calls received since the start (or the last reset). */
  calls(): number;
  /** Same as `calls()` (the name earlier tests use). */
  executeCalls(): number;
  resetCounters(): void;
  /**
   * The next `count` calls of the given operations (default: ExecuteStatement and BatchExecute) fail
   * with this error without running anything. They still count as calls: the service received them.
   */
  injectFailures(count: number, errorType: InjectableError, options?: { message?: string; operations?: DataApiOperation[] }): void;
  addSecret(arn: string, secret: LocalSecret): void;
  /** Transactions begun and not yet committed, rolled back or expired. */
  openTransactions(): number;
  stop(): Promise<void>;
}

const MiB = 1024 * 1024;
const MAX_REQUEST_BYTES = 4 * MiB;

/** The HTTP status the SDK model gives each error (ThrottlingException is not modelled: AWS answers 400). */
const ERROR_STATUS: Record<string, number> = {
  AccessDeniedException: 403,
  BadRequestException: 400,
  DatabaseErrorException: 400,
  DatabaseNotFoundException: 404,
  DatabaseResumingException: 400,
  DatabaseUnavailableException: 504,
  ForbiddenException: 403,
  HttpEndpointNotEnabledException: 400,
  InternalServerErrorException: 500,
  InvalidSecretException: 400,
  SecretsErrorException: 400,
  ServiceUnavailableError: 503,
  StatementTimeoutException: 400,
  ThrottlingException: 400,
  TooManyRequestsException: 429,
  TransactionNotFoundException: 404,
  UnsupportedResultException: 400,
  UnknownOperationException: 404,
};

const DEFAULT_MESSAGES: Record<InjectableError, string> = {
  DatabaseResumingException:
    'A request was cancelled because the Aurora Serverless v2 DB instance was paused. The Data API request automatically resumes the DB instance. Wait a few seconds and try again.',
  ThrottlingException: 'Rate exceeded',
  TooManyRequestsException: 'Too many requests',
  ServiceUnavailableError: 'The service is unavailable',
  DatabaseUnavailableException: 'The writer instance in the DB cluster is not available',
  InternalServerErrorException: 'An internal error occurred',
  StatementTimeoutException: 'Request timed out',
};

class DataApiError extends Error {
  readonly status: number;
  /** For a statement that timed out: settles when the statement has really stopped. */
  settled: Promise<void> | undefined;
  constructor(
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.status = ERROR_STATUS[type] ?? 400;
  }
}

// ---------------------------------------------------------------------------------------------------
// Request shapes (as the SDK serialises them)

interface ParameterValue {
  isNull?: boolean;
  booleanValue?: boolean;
  longValue?: number;
  doubleValue?: number;
  stringValue?: string;
  blobValue?: string;
  arrayValue?: unknown;
}

export interface SqlParameter {
  name?: string;
  value?: ParameterValue;
  typeHint?: string;
}

interface CallBody {
  resourceArn?: string;
  secretArn?: string;
  sql?: string;
  database?: string;
  parameters?: SqlParameter[];
  parameterSets?: SqlParameter[][];
  transactionId?: string;
  includeResultMetadata?: boolean;
  continueAfterTimeout?: boolean;
  formatRecordsAs?: 'NONE' | 'JSON';
}

// ---------------------------------------------------------------------------------------------------
// Named parameters to positional ones

const OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  json: 114,
  float8: 701,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  numeric: 1700,
  uuid: 2950,
} as const;

/** The parameter type the service's JDBC driver declares for a value (0: let PostgreSQL infer). */
const TYPE_HINTS: Record<string, number> = {
  DATE: OID.date,
  TIME: OID.time,
  TIMESTAMP: OID.timestamp,
  DECIMAL: OID.numeric,
  JSON: OID.json,
  UUID: OID.uuid,
};

function parameterOf(parameter: SqlParameter): { value: string | null; type: number } {
  const value = parameter.value ?? {};
  if (value.arrayValue !== undefined) throw new DataApiError('BadRequestException', 'Array parameters are not supported.');
  if (value.isNull) return { value: null, type: 0 };
  if (value.stringValue !== undefined) {
    const hinted = parameter.typeHint ? TYPE_HINTS[parameter.typeHint] : undefined;
    if (parameter.typeHint && hinted === undefined) throw new DataApiError('BadRequestException', `Invalid type hint: ${parameter.typeHint}`);
    return { value: value.stringValue, type: hinted ?? OID.varchar };
  }
  if (value.longValue !== undefined) return { value: String(value.longValue), type: OID.int8 };
  if (value.doubleValue !== undefined) return { value: String(value.doubleValue), type: OID.float8 };
  if (value.booleanValue !== undefined) return { value: String(value.booleanValue), type: OID.bool };
  if (value.blobValue !== undefined) return { value: `\\x${Buffer.from(value.blobValue, 'base64').toString('hex')}`, type: OID.bytea };
  return { value: null, type: 0 };
}

/**
 * `:name` placeholders to `$n`, as the service binds them. String literals (with `''` and E'\''
 * escapes), quoted identifiers, dollar-quoted bodies, comments and `::` casts are copied unchanged: a
 * `:word` inside them is not a parameter. A placeholder with no parameter of that name is left alone
 * (PostgreSQL then reports the syntax error).
 */
export function toPositional(sql: string, parameters: SqlParameter[]): { text: string; values: (string | null)[]; types: number[] } {
  const byName = new Map(parameters.map((parameter) => [parameter.name ?? '', parameter]));
  const values: (string | null)[] = [];
  const types: number[] = [];
  const positions = new Map<string, number>();
  let text = '';
  let index = 0;
  const copyUntil = (end: number) => {
    const stop = end === -1 ? sql.length : end;
    text += sql.slice(index, stop);
    index = stop;
  };
  while (index < sql.length) {
    const char = sql[index] ?? '';
    const next = sql[index + 1] ?? '';
    if (char === "'" || char === '"') {
      const escapes = char === "'" && /[eE]/.test(sql[index - 1] ?? '') && !/[A-Za-z0-9_]/.test(sql[index - 2] ?? '');
      let end = index + 1;
      while (end < sql.length) {
        if (escapes && sql[end] === '\\') end += 2;
        else if (sql[end] === char && sql[end + 1] === char) end += 2;
        else if (sql[end] === char) break;
        else end++;
      }
      copyUntil(end >= sql.length ? -1 : end + 1);
      continue;
    }
    if (char === '-' && next === '-') {
      const end = sql.indexOf('\n', index);
      copyUntil(end);
      continue;
    }
    if (char === '/' && next === '*') {
      let depth = 0;
      let end = index;
      while (end < sql.length) {
        if (sql[end] === '/' && sql[end + 1] === '*') {
          depth++;
          end += 2;
        } else if (sql[end] === '*' && sql[end + 1] === '/') {
          depth--;
          end += 2;
          if (depth === 0) break;
        } else end++;
      }
      copyUntil(end);
      continue;
    }
    const dollar = char === '$' && !/[A-Za-z0-9_]/.test(sql[index - 1] ?? '') ? /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(index)) : null;
    if (dollar) {
      const end = sql.indexOf(dollar[0], index + dollar[0].length);
      copyUntil(end === -1 ? -1 : end + dollar[0].length);
      continue;
    }
    if (char === ':' && next === ':') {
      text += '::';
      index += 2;
      continue;
    }
    const name = char === ':' ? /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(index + 1))?.[0] : undefined;
    const parameter = name === undefined ? undefined : byName.get(name);
    if (name !== undefined && parameter) {
      let position = positions.get(name);
      if (position === undefined) {
        const bound = parameterOf(parameter);
        values.push(bound.value);
        types.push(bound.type);
        position = values.length;
        positions.set(name, position);
      }
      text += `$${position}`;
      index += name.length + 1;
      continue;
    }
    text += char;
    index++;
  }
  return { text, values, types };
}

// ---------------------------------------------------------------------------------------------------
// Result types

type Kind = 'long' | 'double' | 'bool' | 'blob' | 'decimal' | 'string' | 'timestamptz' | 'array';

interface TypeInfo {
  name: string;
  kind: Kind;
  /** The java.sql.Types code the service reports in columnMetadata.type. */
  jdbc: number;
  element?: number;
}

const JDBC = { BIT: -7, BIGINT: -5, BINARY: -2, CHAR: 1, NUMERIC: 2, INTEGER: 4, SMALLINT: 5, REAL: 7, DOUBLE: 8, VARCHAR: 12, DATE: 91, TIME: 92, TIMESTAMP: 93, OTHER: 1111, ARRAY: 2003, SQLXML: 2009 };

const BUILTIN_TYPES = new Map<number, TypeInfo>();
const scalar = (oid: number, name: string, kind: Kind, jdbc: number) => BUILTIN_TYPES.set(oid, { name, kind, jdbc });
const array = (oid: number, element: number) => BUILTIN_TYPES.set(oid, { name: `_${BUILTIN_TYPES.get(element)?.name ?? 'unknown'}`, kind: 'array', jdbc: JDBC.ARRAY, element });
scalar(16, 'bool', 'bool', JDBC.BIT);
scalar(17, 'bytea', 'blob', JDBC.BINARY);
scalar(18, 'char', 'string', JDBC.CHAR);
scalar(19, 'name', 'string', JDBC.VARCHAR);
scalar(20, 'int8', 'long', JDBC.BIGINT);
scalar(21, 'int2', 'long', JDBC.SMALLINT);
scalar(23, 'int4', 'long', JDBC.INTEGER);
scalar(25, 'text', 'string', JDBC.VARCHAR);
scalar(26, 'oid', 'long', JDBC.BIGINT);
scalar(114, 'json', 'string', JDBC.OTHER);
scalar(142, 'xml', 'string', JDBC.SQLXML);
scalar(700, 'float4', 'double', JDBC.REAL);
scalar(701, 'float8', 'double', JDBC.DOUBLE);
scalar(790, 'money', 'string', JDBC.DOUBLE);
scalar(1042, 'bpchar', 'string', JDBC.CHAR);
scalar(1043, 'varchar', 'string', JDBC.VARCHAR);
scalar(1082, 'date', 'string', JDBC.DATE);
scalar(1083, 'time', 'string', JDBC.TIME);
scalar(1114, 'timestamp', 'string', JDBC.TIMESTAMP);
scalar(1184, 'timestamptz', 'timestamptz', JDBC.TIMESTAMP);
scalar(1186, 'interval', 'string', JDBC.OTHER);
scalar(1266, 'timetz', 'string', JDBC.TIME);
scalar(1700, 'numeric', 'decimal', JDBC.NUMERIC);
scalar(2950, 'uuid', 'string', JDBC.OTHER);
scalar(3802, 'jsonb', 'string', JDBC.OTHER);
for (const [oid, element] of [
  [1000, 16], [1001, 17], [1002, 18], [1003, 19], [1016, 20], [1005, 21], [1007, 23], [1009, 25], [1028, 26], [199, 114],
  [1021, 700], [1022, 701], [1014, 1042], [1015, 1043], [1182, 1082], [1183, 1083], [1115, 1114], [1185, 1184],
  [1187, 1186], [1231, 1700], [2951, 2950], [3807, 3802],
] as const) {
  array(oid, element);
}

const UNKNOWN_TYPE: TypeInfo = { name: 'unknown', kind: 'string', jdbc: JDBC.OTHER };

/** A PostgreSQL array literal (`{1,"a b",NULL,{2}}`) as nested arrays of element texts. */
export function parseArrayLiteral(literal: string): unknown[] {
  let index = literal.startsWith('[') ? literal.indexOf('=') + 1 : 0;
  const parse = (): unknown[] => {
    const items: unknown[] = [];
    index++; // '{'
    while (index < literal.length && literal[index] !== '}') {
      if (literal[index] === '{') {
        items.push(parse());
      } else if (literal[index] === '"') {
        let value = '';
        index++;
        while (index < literal.length && literal[index] !== '"') {
          if (literal[index] === '\\') index++;
          value += literal[index] ?? '';
          index++;
        }
        index++;
        items.push(value);
      } else {
        let end = index;
        while (end < literal.length && literal[end] !== ',' && literal[end] !== '}') end++;
        const raw = literal.slice(index, end);
        items.push(raw.toUpperCase() === 'NULL' ? null : raw);
        index = end;
      }
      if (literal[index] === ',') index++;
    }
    index++; // '}'
    return items;
  };
  return parse();
}

type Field = Record<string, unknown>;

function utcTimestamp(text: string): string {
  // Sessions run in UTC: drop the `+00` offset, as the service answers timestamps without a zone.
  return text.replace(/\+00(?::00)?$/, '');
}

/** One value in the service's `Field` union. */
function fieldOf(text: string | null, type: TypeInfo, typeOf: (oid: number) => TypeInfo): Field {
  if (text === null) return { isNull: true };
  switch (type.kind) {
    case 'bool':
      return { booleanValue: text === 't' };
    case 'long':
      return { longValue: Number(text) };
    case 'double':
      return { doubleValue: Number(text) };
    case 'blob':
      return { blobValue: Buffer.from(text.replace(/^\\x/, ''), 'hex').toString('base64') };
    case 'timestamptz':
      return { stringValue: utcTimestamp(text) };
    case 'array':
      return { arrayValue: arrayValueOf(parseArrayLiteral(text), typeOf(type.element ?? 0)) };
    default:
      return { stringValue: text };
  }
}

function arrayValueOf(items: unknown[], element: TypeInfo): Record<string, unknown[]> {
  if (items.some(Array.isArray)) return { arrayValues: items.map((item) => arrayValueOf(Array.isArray(item) ? item : [item], element)) };
  const texts = items as (string | null)[];
  switch (element.kind) {
    case 'long':
      return { longValues: texts.map((item) => (item === null ? null : Number(item))) };
    case 'double':
      return { doubleValues: texts.map((item) => (item === null ? null : Number(item))) };
    case 'bool':
      return { booleanValues: texts.map((item) => (item === null ? null : item === 't')) };
    default:
      return { stringValues: texts };
  }
}

/** One value as the service writes it in `formattedRecords`. */
function jsonValueOf(text: string | null, type: TypeInfo, typeOf: (oid: number) => TypeInfo): unknown {
  if (text === null) return null;
  switch (type.kind) {
    case 'bool':
      return text === 't';
    case 'long':
    case 'double':
      return Number(text);
    case 'blob':
      return Buffer.from(text.replace(/^\\x/, ''), 'hex').toString('base64');
    case 'timestamptz':
      return utcTimestamp(text);
    case 'array': {
      const element = typeOf(type.element ?? 0);
      const convert = (items: unknown[]): unknown[] =>
        items.map((item) => (Array.isArray(item) ? convert(item) : jsonValueOf(item as string | null, element, typeOf)));
      return convert(parseArrayLiteral(text));
    }
    default:
      return text;
  }
}

interface ColumnFacts {
  notNull: boolean;
  autoIncrement: boolean;
}

/** `columnMetadata` as the service's JDBC driver describes a column. */
function columnMetadataOf(field: pg.FieldDef, type: TypeInfo, typeOf: (oid: number) => TypeInfo, facts: ColumnFacts | undefined): Record<string, unknown> {
  const modifier = field.dataTypeModifier;
  const numeric = ['int2', 'int4', 'int8', 'oid', 'float4', 'float8', 'numeric', 'money'].includes(type.name);
  const temporal = ['date', 'time', 'timetz', 'timestamp', 'timestamptz', 'interval'].includes(type.name);
  const precisionByType: Record<string, number> = { int2: 5, int4: 10, oid: 10, int8: 19, float4: 8, float8: 17, bool: 1, date: 13, time: 15, timetz: 21, timestamp: 29, timestamptz: 35, interval: 49 };
  let precision = precisionByType[type.name] ?? 2147483647;
  let scale = type.name === 'float4' ? 8 : type.name === 'float8' ? 17 : ['time', 'timetz', 'timestamp', 'timestamptz', 'interval'].includes(type.name) ? 6 : 0;
  if (type.name === 'numeric') {
    precision = modifier === -1 ? 0 : ((modifier - 4) >> 16) & 0xffff;
    scale = modifier === -1 ? 0 : (modifier - 4) & 0xffff;
  } else if (['bpchar', 'varchar'].includes(type.name) && modifier !== -1) {
    precision = modifier - 4;
  }
  let typeName = type.name;
  if (facts?.autoIncrement && type.name === 'int4') typeName = 'serial';
  if (facts?.autoIncrement && type.name === 'int8') typeName = 'bigserial';
  return {
    name: field.name,
    label: field.name,
    type: type.jdbc,
    typeName,
    schemaName: '',
    tableName: '',
    isAutoIncrement: facts?.autoIncrement ?? false,
    isSigned: numeric && type.name !== 'oid',
    isCurrency: type.name === 'money',
    isCaseSensitive: !numeric && !temporal && type.name !== 'bool',
    // 0: no nulls, 1: nullable, 2: unknown (an expression, not a table column).
    nullable: facts ? (facts.notNull ? 0 : 1) : 2,
    precision,
    scale,
    arrayBaseColumnType: type.kind === 'array' ? typeOf(type.element ?? 0).jdbc : 0,
  };
}

// ---------------------------------------------------------------------------------------------------
// Errors from PostgreSQL

/** The service's message for a database error: the JDBC driver's text, then the SQLSTATE. */
function databaseError(error: pg.DatabaseError): DataApiError {
  const lines = [`${error.severity ?? 'ERROR'}: ${error.message}`];
  if (error.detail) lines.push(`  Detail: ${error.detail}`);
  if (error.hint) lines.push(`  Hint: ${error.hint}`);
  if (error.position) lines.push(`  Position: ${error.position}`);
  if (error.where) lines.push(`  Where: ${error.where}`);
  return new DataApiError('DatabaseErrorException', `${lines.join('\n')}; SQLState: ${error.code ?? 'XX000'}`);
}

function toDataApiError(error: unknown): DataApiError {
  if (error instanceof DataApiError) return error;
  if (error instanceof pg.DatabaseError) return databaseError(error);
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT') {
    return new DataApiError('DatabaseUnavailableException', 'The writer instance in the DB cluster is not available');
  }
  return new DataApiError('InternalServerErrorException', 'An internal error occurred');
}

// ---------------------------------------------------------------------------------------------------
// The server

interface OpenTransaction {
  id: string;
  client: pg.Client;
  secretArn: string;
  login: LocalSecret;
  database: string;
  timer: NodeJS.Timeout | undefined;
  busy: boolean;
}

/** Text values for every type: the server converts them the way the service does. */
const RAW_TEXT = { getTypeParser: () => (value: string) => value };

/**
 * Always the extended protocol, so that PostgreSQL refuses more than one statement as the service
 * does. pg hands `types` both to the Parse message (the parameter types, as JDBC declares them) and
 * to its row parser (here: raw text). Array rows keep duplicate column names apart.
 */
function typedQuery(text: string, values: (string | null)[], types: number[]): pg.QueryArrayConfig {
  const parameterTypes = Object.assign([...types], RAW_TEXT);
  return { text, values, rowMode: 'array', queryMode: 'extended', types: parameterTypes } as unknown as pg.QueryArrayConfig;
}

function readBody(request: IncomingMessage): Promise<CallBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > MAX_REQUEST_BYTES) return reject(new DataApiError('BadRequestException', 'Request size exceeded the 4 MiB limit'));
      try {
        const parsed: unknown = chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8'));
        resolve(typeof parsed === 'object' && parsed !== null ? (parsed as CallBody) : {});
      } catch {
        reject(new DataApiError('BadRequestException', 'Request body is not valid JSON'));
      }
    });
    request.on('error', reject);
  });
}

export async function startLocalDataApi(options: LocalDataApiOptions): Promise<LocalDataApi> {
  const clusters = new Set([...Object.keys(options.clusters ?? {}), ...(options.clusterArns ?? [])]);
  if (clusters.size === 0) throw new Error('startLocalDataApi: no cluster ARN given');
  const secrets = new Map(Object.entries(options.secrets));
  const transactionTimeoutMs = options.transactionTimeoutMs ?? 180_000;
  const statementTimeoutMs = options.statementTimeoutMs ?? 45_000;
  const responseLimit = options.responseSizeLimitBytes ?? MiB;
  const rowLimit = options.rowSizeLimitBytes ?? 64 * 1024;
  const pools = new Map<string, pg.Pool>();
  const transactions = new Map<string, OpenTransaction>();
  const typeCache = new Map<string, TypeInfo>();
  const pending = new Set<Promise<unknown>>();
  let calls = 0;
  let failures: { count: number; type: InjectableError; message: string; operations: Set<string> } | undefined;

  // -- logins and connections

  const loginFor = (body: CallBody): LocalSecret => {
    if (!body.resourceArn || !clusters.has(body.resourceArn)) {
      throw new DataApiError('HttpEndpointNotEnabledException', `HttpEndpoint is not enabled for resource ${body.resourceArn ?? ''}`);
    }
    const login = body.secretArn ? secrets.get(body.secretArn) : undefined;
    if (!login) throw new DataApiError('SecretsErrorException', `Error fetching secret ${body.secretArn ?? ''} : Secrets Manager can't find the specified secret.`);
    return login;
  };

  // As the service does with PostgreSQL: the named database, else the secret's, else the user's own.
  const databaseFor = (body: CallBody, login: LocalSecret) => body.database || login.dbname || login.username;

  const connectionConfig = (login: LocalSecret, database: string): pg.ClientConfig => ({
    host: options.postgres.host,
    port: options.postgres.port,
    user: login.username,
    password: login.password,
    database,
    options: '-c TimeZone=UTC',
    application_name: 'local-data-api',
  });

  const poolFor = (login: LocalSecret, database: string) => {
    const key = JSON.stringify([login.username, login.password, database]);
    let pool = pools.get(key);
    if (!pool) {
      pool = new pg.Pool({ ...connectionConfig(login, database), max: options.poolSize ?? 4, idleTimeoutMillis: 10_000 });
      pool.on('error', () => {});
      pools.set(key, pool);
    }
    return pool;
  };

  const track = <T>(promise: Promise<T>): Promise<T> => {
    pending.add(promise);
    void promise.catch(() => {}).finally(() => pending.delete(promise));
    return promise;
  };

  /** Cancels the running statement of a backend, from another session of the same user. */
  const cancelBackend = async (login: LocalSecret, database: string, pid: number) => {
    const canceller = new pg.Client(connectionConfig(login, database));
    canceller.on('error', () => {});
    try {
      await canceller.connect();
      await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
    } catch {
      // The statement may have ended meanwhile.
    } finally {
      await canceller.end().catch(() => {});
    }
  };

  // -- transactions

  const endTransaction = async (open: OpenTransaction, command: 'COMMIT' | 'ROLLBACK') => {
    transactions.delete(open.id);
    clearTimeout(open.timer);
    try {
      await open.client.query(command);
    } finally {
      await open.client.end().catch(() => {});
    }
  };

  const armTimer = (open: OpenTransaction) => {
    clearTimeout(open.timer);
    open.timer = setTimeout(() => {
      if (open.busy) return armTimer(open);
      void track(endTransaction(open, 'ROLLBACK').catch(() => {}));
    }, transactionTimeoutMs);
    open.timer.unref();
  };

  const transactionFor = (id: string | undefined, secretArn: string | undefined): OpenTransaction => {
    const open = id ? transactions.get(id) : undefined;
    // A transaction belongs to the secret that began it.
    if (!open || open.secretArn !== secretArn) throw new DataApiError('TransactionNotFoundException', `Transaction ${id ?? ''} is not found`);
    if (open.busy) throw new DataApiError('DatabaseErrorException', 'Transaction is still running a query');
    return open;
  };

  // -- statements

  const typesOf = async (login: LocalSecret, database: string, oids: number[]) => {
    const unknown = [...new Set(oids)].filter((oid) => !BUILTIN_TYPES.has(oid) && !typeCache.has(`${database}/${oid}`));
    if (unknown.length > 0) {
      try {
        const { rows } = await poolFor(login, database).query<{ oid: number; typname: string; typcategory: string; typelem: number }>(
          'SELECT oid::int AS oid, typname, typcategory, typelem::int AS typelem FROM pg_type WHERE oid = ANY($1::oid[])',
          [unknown],
        );
        for (const row of rows) {
          const isArray = row.typcategory === 'A';
          typeCache.set(`${database}/${row.oid}`, { name: row.typname, kind: isArray ? 'array' : 'string', jdbc: isArray ? JDBC.ARRAY : JDBC.OTHER, element: isArray ? row.typelem : undefined });
        }
      } catch {
        // Unknown types are answered as strings.
      }
    }
    return (oid: number): TypeInfo => BUILTIN_TYPES.get(oid) ?? typeCache.get(`${database}/${oid}`) ?? UNKNOWN_TYPE;
  };

  const columnFactsOf = async (login: LocalSecret, database: string, fields: pg.FieldDef[]) => {
    const columns = fields.filter((field) => field.tableID !== 0);
    const facts = new Map<string, ColumnFacts>();
    if (columns.length === 0) return facts;
    try {
      const { rows } = await poolFor(login, database).query<{ relid: number; attnum: number; notnull: boolean; auto: boolean }>(
        `SELECT a.attrelid::int AS relid, a.attnum::int AS attnum, a.attnotnull AS notnull,
           (a.attidentity <> '' OR COALESCE(pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false)) AS auto
         FROM unnest($1::oid[], $2::int2[]) AS c(relid, attnum)
         JOIN pg_attribute a ON a.attrelid = c.relid AND a.attnum = c.attnum
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum`,
        [columns.map((field) => field.tableID), columns.map((field) => field.columnID)],
      );
      for (const row of rows) facts.set(`${row.relid}/${row.attnum}`, { notNull: row.notnull, autoIncrement: row.auto });
    } catch {
      // Without the catalog, nullability is "unknown".
    }
    return facts;
  };

  /** Runs one statement on a session, answering StatementTimeoutException after the service's 45 s. */
  const runStatement = async (client: pg.ClientBase, body: CallBody, login: LocalSecret, database: string, parameters: SqlParameter[]) => {
    const { text, values, types } = toPositional(body.sql ?? '', parameters);
    const running = track(client.query(typedQuery(text, values, types)));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), statementTimeoutMs);
    });
    try {
      const outcome = await Promise.race([running, timedOut]);
      if (outcome === 'timeout') {
        const pid = (client as pg.ClientBase & { processID?: number }).processID ?? 0;
        // Without continueAfterTimeout the service cancels the statement; with it, the statement goes on.
        if (!body.continueAfterTimeout) void track(cancelBackend(login, database, pid));
        const error = new DataApiError('StatementTimeoutException', 'Request timed out', { dbConnectionId: pid });
        error.settled = running.then(
          () => undefined,
          () => undefined,
        );
        throw error;
      }
      return outcome;
    } catch (error) {
      throw toDataApiError(error);
    } finally {
      clearTimeout(timer);
    }
  };

  /** The answer of one ExecuteStatement: records or JSON, metadata, within the size limits. */
  const answerOf = async (result: pg.QueryArrayResult<(string | null)[]>, body: CallBody, login: LocalSecret, database: string) => {
    const fields = result.fields ?? [];
    const dml = ['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COPY'].includes(result.command ?? '');
    const answer: Record<string, unknown> = { numberOfRecordsUpdated: dml ? (result.rowCount ?? 0) : 0 };
    if (fields.length === 0) {
      answer.generatedFields = [];
      return answer;
    }
    const rows = result.rows;
    let total = 0;
    for (const row of rows) {
      const size = row.reduce((sum, value) => sum + (value === null ? 0 : Buffer.byteLength(value)), 0);
      if (size > rowLimit) throw new DataApiError('BadRequestException', 'Packet for query is too large');
      total += size;
      if (total > responseLimit) throw new DataApiError('BadRequestException', 'Database returned more than the allowed response size limit');
    }
    const typeOf = await typesOf(login, database, fields.flatMap((field) => [field.dataTypeID, BUILTIN_TYPES.get(field.dataTypeID)?.element ?? 0]));
    const fieldTypes = fields.map((field) => typeOf(field.dataTypeID));
    if (body.formatRecordsAs === 'JSON') {
      // Duplicate column names keep the last value, as in any JSON object.
      answer.formattedRecords = JSON.stringify(
        rows.map((row) => Object.fromEntries(row.map((value, index) => [fields[index]?.name ?? '', jsonValueOf(value, fieldTypes[index] ?? UNKNOWN_TYPE, typeOf)]))),
      );
    } else {
      answer.records = rows.map((row) => row.map((value, index) => fieldOf(value, fieldTypes[index] ?? UNKNOWN_TYPE, typeOf)));
      if (body.includeResultMetadata) {
        const facts = await columnFactsOf(login, database, fields);
        answer.columnMetadata = fields.map((field, index) =>
          columnMetadataOf(field, fieldTypes[index] ?? UNKNOWN_TYPE, typeOf, facts.get(`${field.tableID}/${field.columnID}`)),
        );
      }
    }
    return answer;
  };

  const failInjected = (operation: DataApiOperation) => {
    if (!failures || failures.count <= 0 || !failures.operations.has(operation)) return;
    failures.count--;
    throw new DataApiError(failures.type, failures.message, failures.type === 'StatementTimeoutException' ? { dbConnectionId: 0 } : {});
  };

  /**
   * Runs a statement inside a transaction, one at a time. As with the service, a failed statement ends
   * the transaction (rolled back); one that timed out with continueAfterTimeout keeps it busy until done.
   */
  const inTransaction = async <T>(open: OpenTransaction, body: CallBody, run: () => Promise<T>): Promise<T> => {
    open.busy = true;
    armTimer(open);
    let settled: Promise<void> | undefined;
    try {
      return await run();
    } catch (error) {
      if (error instanceof DataApiError && error.type === 'StatementTimeoutException' && body.continueAfterTimeout) {
        settled = error.settled;
      } else if (error instanceof DataApiError && (error.type === 'DatabaseErrorException' || error.type === 'StatementTimeoutException')) {
        transactions.delete(open.id);
        const stopped = error.settled ?? Promise.resolve();
        void track(stopped.then(() => endTransaction(open, 'ROLLBACK')).catch(() => {}));
      }
      throw error;
    } finally {
      const idle = () => {
        open.busy = false;
        if (transactions.has(open.id)) armTimer(open);
      };
      if (settled) void settled.then(idle);
      else idle();
    }
  };

  const operations: Record<string, (body: CallBody) => Promise<Record<string, unknown>>> = {
    '/Execute': async (body) => {
      const login = loginFor(body);
      calls++;
      failInjected('Execute');
      if (!body.sql) throw new DataApiError('BadRequestException', 'SQL statement is required');
      if (body.transactionId) {
        const open = transactionFor(body.transactionId, body.secretArn);
        return inTransaction(open, body, async () => {
          const result = await runStatement(open.client, body, open.login, open.database, body.parameters ?? []);
          return answerOf(result, body, open.login, open.database);
        });
      }
      const database = databaseFor(body, login);
      const client = await poolFor(login, database).connect().catch((error: unknown) => {
        throw toDataApiError(error);
      });
      let settled: Promise<void> = Promise.resolve();
      try {
        const result = await runStatement(client, body, login, database, body.parameters ?? []);
        return await answerOf(result, body, login, database);
      } catch (error) {
        // A statement that timed out may still run: its session goes back to the pool once it stops.
        if (error instanceof DataApiError && error.settled) settled = error.settled;
        throw error;
      } finally {
        void settled.then(() => client.release());
      }
    },
    '/BatchExecute': async (body) => {
      const login = loginFor(body);
      calls++;
      failInjected('BatchExecute');
      if (!body.sql) throw new DataApiError('BadRequestException', 'SQL statement is required');
      const sets = body.parameterSets && body.parameterSets.length > 0 ? body.parameterSets : [[]];
      const runAll = async (client: pg.ClientBase, secret: LocalSecret, database: string) => {
        const updateResults: Record<string, unknown>[] = [];
        for (const parameters of sets) {
          await runStatement(client, body, secret, database, parameters);
          updateResults.push({ generatedFields: [] });
        }
        return { updateResults };
      };
      if (body.transactionId) {
        const open = transactionFor(body.transactionId, body.secretArn);
        return inTransaction(open, body, () => runAll(open.client, open.login, open.database));
      }
      // Outside a transaction the batch commits as a whole, or not at all.
      const database = databaseFor(body, login);
      const client = await poolFor(login, database).connect().catch((error: unknown) => {
        throw toDataApiError(error);
      });
      try {
        await client.query('BEGIN');
        const answer = await runAll(client, login, database);
        await client.query('COMMIT');
        return answer;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw toDataApiError(error);
      } finally {
        client.release();
      }
    },
    '/BeginTransaction': async (body) => {
      const login = loginFor(body);
      failInjected('BeginTransaction');
      const database = databaseFor(body, login);
      const client = new pg.Client(connectionConfig(login, database));
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query('BEGIN');
      } catch (error) {
        await client.end().catch(() => {});
        throw toDataApiError(error);
      }
      const id = randomBytes(96).toString('base64');
      const open: OpenTransaction = { id, client, secretArn: body.secretArn ?? '', login, database, timer: undefined, busy: false };
      transactions.set(id, open);
      armTimer(open);
      return { transactionId: id };
    },
    '/CommitTransaction': async (body) => {
      loginFor(body);
      failInjected('CommitTransaction');
      const open = transactionFor(body.transactionId, body.secretArn);
      try {
        await endTransaction(open, 'COMMIT');
      } catch (error) {
        throw toDataApiError(error);
      }
      return { transactionStatus: 'Transaction Committed' };
    },
    '/RollbackTransaction': async (body) => {
      loginFor(body);
      failInjected('RollbackTransaction');
      const open = transactionFor(body.transactionId, body.secretArn);
      try {
        await endTransaction(open, 'ROLLBACK');
      } catch (error) {
        throw toDataApiError(error);
      }
      return { transactionStatus: 'Rollback Complete' };
    },
  };

  const send = (response: ServerResponse, status: number, body: unknown, errorType?: string) => {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomBytes(16).toString('hex'),
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    response.end(text);
  };

  const injectFailures: LocalDataApi['injectFailures'] = (count, type, settings = {}) => {
    failures = { count, type, message: settings.message ?? DEFAULT_MESSAGES[type], operations: new Set(settings.operations ?? ['Execute', 'BatchExecute']) };
  };

  const server: Server = createServer(async (request, response) => {
    try {
      const path = new URL(request.url ?? '/', 'http://local').pathname;
      // Test controls, outside the AWS protocol, for tests that only hold the endpoint's URL.
      if (path === '/_local/calls') return send(response, 200, { execute_calls: calls });
      if (path === '/_local/faults' && request.method === 'POST') {
        const fault = (await readBody(request)) as { count?: number; error_type?: InjectableError; message?: string };
        injectFailures(fault.count ?? 1, fault.error_type ?? 'DatabaseResumingException', { message: fault.message });
        return send(response, 200, { armed: fault.count ?? 1 });
      }
      const operation = operations[path];
      if (!operation || request.method !== 'POST') return send(response, 404, { message: `Unknown operation ${path}` }, 'UnknownOperationException');
      send(response, 200, await operation(await readBody(request)));
    } catch (error) {
      const failure = toDataApiError(error);
      send(response, failure.status, { message: failure.message, ...failure.extra }, failure.type);
    }
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });

  return {
    endpoint: `http://${host}:${options.port}`,
    calls: () => calls,
    executeCalls: () => calls,
    resetCounters: () => {
      calls = 0;
    },
    injectFailures,
    addSecret: (arn, secret) => {
      secrets.set(arn, secret);
    },
    openTransactions: () => transactions.size,
    stop: async () => {
      server.closeAllConnections();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...transactions.values()].map((open) => endTransaction(open, 'ROLLBACK').catch(() => {})));
      await Promise.all([...pending].map((promise) => promise.catch(() => {})));
      await Promise.all([...pools.values()].map((pool) => pool.end().catch(() => {})));
      await closed;
    },
  };
}
