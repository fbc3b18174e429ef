/** How often and how patiently an operation is tried again. */
export interface RetryPolicy {
  /** Tries in all, the first one included. */
  attempts: number;
  /** The ceiling of the first pause; it doubles with every try, up to `maxDelayMs`. 0: no pause. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface RetryOptions extends RetryPolicy {
  /** Whether this error (of try number `attempt`, from 1) may be met by another try. */
  retryable(error: unknown, attempt: number): boolean;
  /** Called before each pause, e.g. to count or log the retry. */
  onRetry?(error: unknown, attempt: number): void;
}

/**
 * The one retry loop of the service: runs `operation` until it succeeds, throws an error that is not
 * `retryable`, or has used its attempts (then the last error is thrown as it is). Pauses use
 * exponential backoff with full jitter, so that callers who failed together do not retry together.
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= options.attempts || !options.retryable(error, attempt)) throw error;
      options.onRetry?.(error, attempt);
      const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
      if (ceiling > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
    }
  }
}
