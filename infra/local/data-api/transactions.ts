import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { badRequest, DataApiError, fromDatabase } from './errors';

/** The session a transaction is pinned to, whatever the engine: its client, and how to end it. */
export interface TransactionSession<Client> {
  client: Client;
  /** Sends COMMIT or ROLLBACK. */
  command(sql: 'COMMIT' | 'ROLLBACK'): Promise<unknown>;
  /** Closes the session. */
  end(): Promise<void>;
}

/** A PostgreSQL session, connected and in BEGIN. */
export async function beginPostgres(config: pg.ClientConfig): Promise<TransactionSession<pg.Client>> {
  const client = new pg.Client(config);
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('BEGIN');
  } catch (error) {
    await client.end().catch(() => {});
    throw fromDatabase(error);
  }
  return { client, command: (sql) => client.query(sql), end: () => client.end() };
}

interface OpenTransaction<Client> {
  session: TransactionSession<Client>;
  secretArn: string;
  database: string;
  timer: NodeJS.Timeout;
  /** The call running now: a transaction's calls run one after the other on its one session. */
  busy: Promise<unknown>;
  /** Rolled back (an error, or idle too long): calls still queued find no transaction. */
  rolledBack: boolean;
}

/**
 * Why an id names no transaction, appended to TransactionNotFoundException as the service does
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.troubleshooting.html).
 */
const ENDED = 'One previous call resulted in a termination of your transaction';
const ABORTED = 'Transaction has been aborted due to an error from a previous call';
const EXPIRED = 'Transaction may be expired';
const UNKNOWN = 'Transaction may be expired, or it was not started by BeginTransaction';
/** How long an ended transaction's reason is kept for the message. */
const REASON_KEPT_MS = 600_000;

/**
 * Transactions pinned to one session each (their own connection, outside the pools, so that a held
 * lock never waits for a pooled connection), rolled back after `timeoutMs` without a call. A
 * statement that fails in the database ends its transaction: the session is rolled back and the id
 * is forgotten, as on the service.
 */
export class Transactions<Client> {
  private readonly open = new Map<string, OpenTransaction<Client>>();
  private readonly reasons = new Map<string, string>();

  constructor(private readonly timeoutMs: number) {}

  /** A new transaction on the session `start` opens (connected, its transaction begun). */
  async begin(start: () => Promise<TransactionSession<Client>>, secretArn: string, database: string): Promise<string> {
    const session = await start();
    const id = randomBytes(48).toString('base64');
    this.open.set(id, { session, secretArn, database, timer: setTimeout(() => this.finish(id, EXPIRED), this.timeoutMs), busy: Promise.resolve(), rolledBack: false });
    return id;
  }

  /** Runs a call on the transaction's session once the calls before it are done. */
  run<T>(id: string, secretArn: string, work: (client: Client, database: string) => Promise<T>): Promise<T> {
    const open = this.take(id);
    if (open.secretArn !== secretArn) throw badRequest('The transaction was started with another secret');
    const next = open.busy.then(async () => {
      if (open.rolledBack) throw this.notFound(id);
      try {
        return await work(open.session.client, open.database);
      } catch (error) {
        const answer = fromDatabase(error);
        if (answer instanceof DataApiError && answer.type === 'DatabaseErrorException') this.finish(id, ABORTED);
        throw answer;
      }
    });
    open.busy = next.catch(() => {});
    return next;
  }

  /**
   * Commit or rollback: the session ends either way; a failed rollback is not an error. `before` runs
   * once the call is accepted (a test's fault): a stalled commit still commits, after its caller may
   * have given up; a failed one leaves nothing committed.
   */
  async end(id: string, command: 'COMMIT' | 'ROLLBACK', before: () => Promise<void>): Promise<void> {
    const open = this.take(id);
    this.open.delete(id);
    clearTimeout(open.timer);
    this.remember(id, ENDED);
    try {
      await before().catch(async (error: unknown) => {
        await open.session.command('ROLLBACK').catch(() => {});
        throw error;
      });
      await open.busy;
      await open.session.command(command);
    } catch (error) {
      if (error instanceof DataApiError) throw error;
      if (command === 'COMMIT') throw fromDatabase(error);
    } finally {
      await open.session.end().catch(() => {});
    }
  }

  stop(): void {
    for (const id of [...this.open.keys()]) this.finish(id, EXPIRED);
  }

  private take(id: string): OpenTransaction<Client> {
    const open = this.open.get(id);
    if (!open) throw this.notFound(id);
    clearTimeout(open.timer);
    open.timer = setTimeout(() => this.finish(id, EXPIRED), this.timeoutMs);
    return open;
  }

  private notFound(id: string): DataApiError {
    return new DataApiError('TransactionNotFoundException', `Transaction ${id} is not found: ${this.reasons.get(id) ?? UNKNOWN}`);
  }

  private remember(id: string, reason: string): void {
    this.reasons.set(id, reason);
    setTimeout(() => this.reasons.delete(id), REASON_KEPT_MS).unref();
  }

  /** Rolls the transaction back and forgets it, for a reason a later call will be told. */
  private finish(id: string, reason: string): void {
    const open = this.open.get(id);
    if (!open) return;
    this.open.delete(id);
    open.rolledBack = true;
    clearTimeout(open.timer);
    this.remember(id, reason);
    void open.session
      .command('ROLLBACK')
      .catch(() => {})
      .finally(() => open.session.end().catch(() => {}));
  }
}
