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
