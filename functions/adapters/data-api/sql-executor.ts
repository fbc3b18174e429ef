import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  type RDSDataClient,
  RollbackTransactionCommand,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';
import { config } from '../config';
import { DeadlineExceededError, OutcomeUnknownError } from '../../core/errors';
import { type RetryPolicy, retry } from '../../core/retry';
import { logger } from '../logger';
import { redactSecrets, SqlExecutionError, type SqlParameters, type SqlPort, type SqlTransaction } from '../../core/postgres/sql-port';

/** Errors the service raises before a statement starts: retrying cannot run anything twice. */
const NOT_STARTED = new Set(['DatabaseResumingException', 'ThrottlingException', 'TooManyRequestsException', 'ServiceUnavailableError', 'InternalServerErrorException', 'DatabaseUnavailableException']);
/** Errors after which a statement may or may not have run: only an idempotent call is repeated. */
const AMBIGUOUS = new Set(['StatementTimeoutException', 'TimeoutError', 'RequestTimeout', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 250, maxDelayMs: 8_000 };

function errorName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const { name, code } = error as { name?: string; code?: string };
  return code && AMBIGUOUS.has(code) ? code : (name ?? '');
}

/** The SDK gave up waiting (`requestTimeout`): the database did not answer, whatever the SDK's wording. */
const REQUEST_TIMEOUTS = new Set(['TimeoutError', 'RequestTimeout', 'ETIMEDOUT']);

export function toSqlExecutionError(error: unknown): SqlExecutionError {
  const name = errorName(error);
  if (REQUEST_TIMEOUTS.has(name)) return new SqlExecutionError(`the database did not answer within ${config.dataApiTimeoutSeconds} s`, undefined, false);
  const message = redactSecrets(error instanceof Error ? error.message : String(error));
  const sqlState = /SQLState: (\w{5})/.exec(message)?.[1];
  return new SqlExecutionError(message, sqlState, NOT_STARTED.has(name));
}

/**
 * Calls the Data API again after errors that guarantee nothing ran (a resuming Serverless cluster,
 * throttling), with exponential backoff and full jitter; when `idempotent`, also after a timeout.
 */
export async function withRetry<T>(call: () => Promise<T>, options: { idempotent: boolean; policy: RetryPolicy; onRetry?: (name: string) => void }): Promise<T> {
  try {
    return await retry(call, {
      ...options.policy,
      retryable: (error) => NOT_STARTED.has(errorName(error)) || (options.idempotent && AMBIGUOUS.has(errorName(error))),
      onRetry: (error) => options.onRetry?.(errorName(error)),
    });
  } catch (error) {
    // The request's deadline passed: the caller learns whether anything may have changed.
    if (error instanceof DeadlineExceededError || error instanceof OutcomeUnknownError) throw error;
    throw toSqlExecutionError(error);
  }
}

function toParameters(parameters: SqlParameters | undefined): SqlParameter[] | undefined {
  if (!parameters) return undefined;
  return Object.entries(parameters).map(([name, value]) => ({ name, value: { stringValue: value } }));
}

function rowsOf<Row>(formattedRecords: string | undefined): Row[] {
  return formattedRecords ? (JSON.parse(formattedRecords) as Row[]) : [];
}

/**
 * A statement cut short by the deadline inside an open transaction, or a read, changed nothing that
 * will last: the transaction is not committed. Only a commit or a statement outside a transaction
 * leaves the outcome unknown.
 */
async function notCommittedWhen<T>(nothingCommitted: boolean, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (nothingCommitted && error instanceof OutcomeUnknownError) throw new DeadlineExceededError('the database did not answer in time and nothing was changed; try again');
    throw error;
  }
}

export interface DataApiTarget {
  resourceArn: string;
  secretArn: string;
}

/**
 * SQL through the RDS Data API: one statement per call, reads as JSON records (catalog reads
 * aggregate in SQL so answers stay under the 1 MiB limit), and transactions pinned by id.
 */
export class DataApiSqlPort implements SqlPort {
  /** ExecuteStatement calls made, retries included. */
  calls = 0;

  constructor(
    private readonly client: RDSDataClient,
    private readonly target: DataApiTarget,
    private readonly policy: RetryPolicy = DEFAULT_RETRY,
  ) {}

  private async execute(database: string, sql: string, options: { parameters?: SqlParameters; transactionId?: string; idempotent: boolean }) {
    // Statements are logged with any password literal redacted; parameter values never are.
    logger.debug('sql statement', { database, sql: redactSecrets(sql), in_transaction: options.transactionId !== undefined });
    return notCommittedWhen(options.transactionId !== undefined || options.idempotent, () => this.executeWithRetry(database, sql, options));
  }

  private executeWithRetry(database: string, sql: string, options: { parameters?: SqlParameters; transactionId?: string; idempotent: boolean }) {
    return withRetry(
      () => {
        this.calls++;
        return this.client.send(
          new ExecuteStatementCommand({
            ...this.target,
            database,
            sql,
            parameters: toParameters(options.parameters),
            transactionId: options.transactionId,
            formatRecordsAs: 'JSON',
          }),
        );
      },
      { idempotent: options.idempotent, policy: this.policy, onRetry: (name) => logger.warn('data api call retried', { database, error: name }) },
    );
  }

  async query<Row extends Record<string, unknown>>(database: string, sql: string, parameters?: SqlParameters): Promise<Row[]> {
    const answer = await this.execute(database, sql, { parameters, idempotent: true });
    return rowsOf<Row>(answer.formattedRecords);
  }

  async begin(database: string): Promise<SqlTransaction> {
    const { transactionId } = await withRetry(() => this.client.send(new BeginTransactionCommand({ ...this.target, database })), {
      idempotent: false,
      policy: this.policy,
    });
    if (!transactionId) throw new SqlExecutionError('the Data API started no transaction', undefined, false);
    const end = (command: CommitTransactionCommand | RollbackTransactionCommand) =>
      withRetry(() => this.client.send(command), { idempotent: false, policy: this.policy });
    return {
      query: async <Row extends Record<string, unknown>>(sql: string, parameters?: SqlParameters) =>
        rowsOf<Row>((await this.execute(database, sql, { parameters, transactionId, idempotent: true })).formattedRecords),
      execute: async (sql: string) => {
        await this.execute(database, sql, { transactionId, idempotent: false });
      },
      commit: async () => {
        await end(new CommitTransactionCommand({ ...this.target, transactionId }));
      },
      rollback: async () => {
        await end(new RollbackTransactionCommand({ ...this.target, transactionId }));
      },
    };
  }
}
