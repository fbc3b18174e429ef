import pg from 'pg';

/**
 * The HTTP status of each error of the Data API model (`@aws-sdk/client-rds-data`, its `httpError`
 * traits): the SDK names an error after `x-amzn-ErrorType`, and retry decisions read both.
 */
const STATUS_OF: Record<string, number> = {
  AccessDeniedException: 403,
  BadRequestException: 400,
  DatabaseErrorException: 400,
  DatabaseNotFoundException: 404,
  DatabaseResumingException: 400,
  DatabaseUnavailableException: 504,
  ForbiddenException: 403,
  HttpEndpointNotEnabledException: 400,
  InternalServerErrorException: 500,
  InvalidResourceStateException: 400,
  InvalidSecretException: 400,
  NotFoundException: 404,
  SecretsErrorException: 400,
  ServiceUnavailableError: 503,
  StatementTimeoutException: 400,
  TransactionNotFoundException: 404,
  UnsupportedResultException: 400,
  UnknownOperationException: 404,
};

export class DataApiError extends Error {
  readonly status: number;

  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.status = STATUS_OF[type] ?? 400;
  }
}

/** A request the service refuses before reaching the database (its older, catch-all error). */
export const badRequest = (message: string) => new DataApiError('BadRequestException', message);

/** The service's message for a database error, with the SQLSTATE. */
export function databaseError(error: pg.DatabaseError): DataApiError {
  const position = error.position ? `\n  Position: ${error.position}` : '';
  return new DataApiError('DatabaseErrorException', `${error.severity ?? 'ERROR'}: ${error.message}${position}; SQLState: ${error.code ?? 'XX000'}`);
}

/** An error the MySQL server sent (mysql2 gives its number, SQLSTATE and text). */
interface MysqlServerError {
  errno: number;
  sqlState: string;
  sqlMessage: string;
}

const isMysqlServerError = (error: unknown): error is MysqlServerError =>
  typeof error === 'object' && error !== null && typeof (error as Partial<MysqlServerError>).errno === 'number' && typeof (error as Partial<MysqlServerError>).sqlMessage === 'string';

/** The service's words for an Aurora MySQL error: the server's error number and message. */
export function mysqlDatabaseError(error: MysqlServerError): DataApiError {
  return new DataApiError('DatabaseErrorException', `Database error code: ${error.errno}. Message: ${error.sqlMessage}`);
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** What the service answers for an error of the database or of the way to it. */
export function fromDatabase(error: unknown): unknown {
  if (error instanceof DataApiError) return error;
  if (error instanceof pg.DatabaseError) return databaseError(error);
  if (isMysqlServerError(error)) return mysqlDatabaseError(error);
  // The cluster's writer cannot be reached: the service's 504, which callers may retry.
  if (UNREACHABLE.has((error as { code?: string }).code ?? '')) return new DataApiError('DatabaseUnavailableException', 'The writer instance in the DB cluster is not available');
  return error;
}
