/**
 * What the provisioning core needs from a database connection. The Data API executor implements it
 * in production and, through the local Data API endpoint, in tests; nothing here knows about AWS.
 */
export type SqlParameters = Record<string, string>;

export interface SqlTransaction {
  /** Rows of a read, as objects keyed by column name. */
  query<Row extends Record<string, unknown>>(sql: string, parameters?: SqlParameters): Promise<Row[]>;
  execute(sql: string): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

export interface SqlPort {
  query<Row extends Record<string, unknown>>(database: string, sql: string, parameters?: SqlParameters): Promise<Row[]>;
  begin(database: string): Promise<SqlTransaction>;
}

/**
 * A statement failed, with the database's message (any password literal redacted) and SQLSTATE.
 * Every SqlPort throws it; `retryable` says the statement surely did not run and may be sent again.
 */
export class SqlExecutionError extends Error {
  override name = 'SqlExecutionError';
  constructor(
    message: string,
    readonly sqlState: string | undefined,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** Never let a password, verifier or MySQL password hash (`*` + 40 hex digits) out in an error message or a log line. */
export function redactSecrets(text: string): string {
  return text
    .replace(/(PASSWORD\s+)'(?:[^']|'')*'/gi, "$1'[redacted]'")
    .replace(/SCRAM-SHA-256\$[^\s'"]+/g, '[redacted]')
    .replace(/\*[0-9A-F]{40}/gi, '[redacted]');
}
