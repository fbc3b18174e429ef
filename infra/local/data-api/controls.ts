import { badRequest, DataApiError } from './errors';

/**
 * Test controls, outside the AWS protocol, all scoped to one secret ARN so that a test counts and
 * breaks only its own calls while other test files use the same endpoint:
 * - `POST /_local/secrets` `{arn, username, password}`: a new secret (as Secrets Manager would hold);
 * - `GET /_local/calls?secret_arn=…`: ExecuteStatement (and BatchExecuteStatement) calls made with it;
 * - `POST /_local/faults` `{secret_arn, count, skip?, operation?, delay_ms?, error_type?, message?}`:
 *   after `skip` calls, the next `count` calls of `operation` (`Execute` by default; also
 *   `BatchExecute`, `BeginTransaction`, `CommitTransaction`, `RollbackTransaction`) with that secret
 *   first wait `delay_ms` (a stalled database: the call then runs, as it would on a server that was
 *   only slow), and then fail with `error_type` before running anything, if one is given;
 * - `POST /_local/latency` `{latency_ms, secret_arn?}`: every call (of any operation) waits this long
 *   before it runs, as a round trip to the service would take; for one secret's calls, or, without
 *   `secret_arn`, for every secret without its own setting (the stack's `LOCAL_DATA_API_LATENCY_MS`).
 */
export type Operation = 'Execute' | 'BatchExecute' | 'BeginTransaction' | 'CommitTransaction' | 'RollbackTransaction';

interface Fault {
  skip: number;
  count: number;
  operation: Operation;
  delayMs: number;
  type: string | undefined;
  message: string;
}

export interface Login {
  username: string;
  password: string;
}

export class LocalControls {
  private readonly executeCalls = new Map<string, number>();
  private readonly batchCalls = new Map<string, number>();
  private readonly faults = new Map<string, Fault>();
  private readonly latencyBySecret = new Map<string, number>();

  constructor(
    private readonly secrets: Map<string, Login>,
    private latencyMs = 0,
  ) {}

  /** Waits the per-call latency set for this secret, or the endpoint's. */
  async delay(secretArn: string): Promise<void> {
    const latencyMs = this.latencyBySecret.get(secretArn) ?? this.latencyMs;
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
  }

  count(operation: 'Execute' | 'BatchExecute', secretArn: string): void {
    const counter = operation === 'Execute' ? this.executeCalls : this.batchCalls;
    counter.set(secretArn, (counter.get(secretArn) ?? 0) + 1);
  }

  /** Plays the fault armed for this secret and operation, if any. */
  async play(operation: Operation, secretArn: string): Promise<void> {
    const fault = this.faults.get(secretArn);
    if (!fault || fault.count <= 0 || fault.operation !== operation) return;
    if (fault.skip > 0) {
      fault.skip--;
      return;
    }
    fault.count--;
    if (fault.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault.type) throw new DataApiError(fault.type, fault.message);
  }

  async handle(path: string, method: string, url: URL, body: Record<string, unknown>): Promise<unknown> {
    if (path === '/_local/calls' && method === 'GET') {
      const secretArn = url.searchParams.get('secret_arn');
      if (!secretArn) throw badRequest('secret_arn is required: calls are counted per secret');
      return { execute_calls: this.executeCalls.get(secretArn) ?? 0, batch_execute_calls: this.batchCalls.get(secretArn) ?? 0 };
    }
    if (path === '/_local/faults' && method === 'POST') {
      const fault = body as { secret_arn?: string; count?: number; skip?: number; operation?: Operation; delay_ms?: number; error_type?: string; message?: string };
      const secretArn = fault.secret_arn;
      if (!secretArn || !this.secrets.has(secretArn)) throw badRequest('secret_arn must name a known secret: faults are armed per secret');
      const count = fault.count ?? 1;
      // Without a delay, a fault is an error (a resuming cluster unless told otherwise).
      const type = fault.error_type ?? (fault.delay_ms ? undefined : 'DatabaseResumingException');
      this.faults.set(secretArn, { skip: fault.skip ?? 0, count, operation: fault.operation ?? 'Execute', delayMs: fault.delay_ms ?? 0, type, message: fault.message ?? `${type} injected by the local Data API` });
      return { armed: count };
    }
    if (path === '/_local/latency' && method === 'POST') {
      const { latency_ms: latencyMs, secret_arn: secretArn } = body as { latency_ms?: unknown; secret_arn?: string };
      if (typeof latencyMs !== 'number' || !Number.isInteger(latencyMs) || latencyMs < 0) throw badRequest('latency_ms must be a whole number of milliseconds, 0 or more');
      if (secretArn === undefined) this.latencyMs = latencyMs;
      else if (this.secrets.has(secretArn)) this.latencyBySecret.set(secretArn, latencyMs);
      else throw badRequest('secret_arn must name a known secret');
      return { latency_ms: latencyMs };
    }
    if (path === '/_local/secrets' && method === 'POST') {
      const { arn, username, password } = body as { arn?: string; username?: string; password?: string };
      if (!arn || !username || password === undefined) throw badRequest('arn, username and password are required');
      this.secrets.set(arn, { username, password });
      return { arn };
    }
    throw new DataApiError('UnknownOperationException', `Unknown local control ${method} ${path}`);
  }
}
