import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The time a request may spend. API Gateway gives up on an integration after 30 s; a handler that
 * is still waiting on a stalled database or table then leaves its caller with nothing to go on,
 * while the work may complete later. So every request gets a deadline inside that limit: the work
 * stops at `workUntil` (every SDK call made in its scope is aborted then), and what is left before
 * `answerBy` is kept for putting things back (rollback, releasing a plan, the audit session) and
 * for answering 503 (nothing was changed) or 504 (a change may have been committed).
 */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly workUntil: number,
    readonly answerBy: number = workUntil,
  ) {
    this.timer = setTimeout(() => this.controller.abort(), Math.max(0, workUntil - Date.now()));
    this.timer.unref();
  }

  /** Aborted when the work deadline passes. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get expired(): boolean {
    return this.controller.signal.aborted || Date.now() >= this.workUntil;
  }

  remainingMs(): number {
    return Math.max(0, this.workUntil - Date.now());
  }

  /** The deadline of the clean-up after the work ran out: the time kept to put things back and answer. */
  forCleanup(): Deadline {
    return new Deadline(this.answerBy);
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}

/** How much of a Lambda's remaining time is kept back for clean-up and the answer. */
export function requestDeadline(remainingMs: number, now = Date.now()): Deadline {
  const reserve = Math.min(3_000, Math.floor(remainingMs / 4));
  return new Deadline(now + remainingMs - reserve, now + remainingMs - Math.min(500, Math.floor(reserve / 4)));
}

const scope = new AsyncLocalStorage<Deadline>();

/** Runs work with a deadline that every SDK call made inside it obeys (see `clients/deadline.ts`). */
export async function withinDeadline<T>(deadline: Deadline, work: () => Promise<T>): Promise<T> {
  try {
    return await scope.run(deadline, work);
  } finally {
    deadline.dispose();
  }
}

export function currentDeadline(): Deadline | undefined {
  return scope.getStore();
}

/**
 * Puts things back after a failure: when the request's time has run out, the clean-up gets the time
 * kept for it rather than failing at once; otherwise it runs under the request's deadline.
 */
export function cleanUp<T>(work: () => Promise<T>): Promise<T> {
  const deadline = currentDeadline();
  if (!deadline?.expired) return work();
  return withinDeadline(deadline.forCleanup(), work);
}
