import { afterEach, describe, expect, it, vi } from 'vitest';
import { retry } from '../../../functions/core/retry';

class Transient extends Error {}

/** An operation that fails with `errors` in turn, then answers 'done'; it records the try numbers it saw. */
function failing(...errors: Error[]) {
  const tries: number[] = [];
  const operation = async (attempt: number) => {
    tries.push(attempt);
    const error = errors.shift();
    if (error) throw error;
    return 'done';
  };
  return { operation, tries };
}

const NO_PAUSE = { baseDelayMs: 0, maxDelayMs: 0 };

describe('retry', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('tries again after a retryable error and returns the first success', async () => {
    // Prepare
    const { operation, tries } = failing(new Transient(), new Transient());

    // Act
    const result = await retry(operation, { attempts: 5, ...NO_PAUSE, retryable: (error) => error instanceof Transient });

    // Assess
    expect(result).toBe('done');
    expect(tries).toEqual([1, 2, 3]);
  });

  it('throws an error that is not retryable at once, as it is', async () => {
    // Prepare
    const fatal = new Error('permission denied');
    const { operation, tries } = failing(fatal);

    // Act, Assess
    await expect(retry(operation, { attempts: 5, ...NO_PAUSE, retryable: (error) => error instanceof Transient })).rejects.toBe(fatal);
    expect(tries).toEqual([1]);
  });

  it('gives up after its attempts with the last error, telling onRetry about each retry', async () => {
    // Prepare
    const last = new Transient('third');
    const { operation, tries } = failing(new Transient('first'), new Transient('second'), last);
    const retried: number[] = [];

    // Act, Assess
    await expect(retry(operation, { attempts: 3, ...NO_PAUSE, retryable: () => true, onRetry: (_, attempt) => retried.push(attempt) })).rejects.toBe(last);
    expect(tries).toEqual([1, 2, 3]);
    expect(retried).toEqual([1, 2]);
  });

  it('pauses with exponential backoff up to the ceiling, jittered below it', async () => {
    // Prepare: the largest jitter, and pauses recorded instead of waited for
    const { operation } = failing(new Transient(), new Transient(), new Transient(), new Transient());
    const pauses: number[] = [];
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((resolve: () => void, ms: number) => {
      pauses.push(Math.round(ms));
      resolve();
      return 0;
    }) as unknown as typeof setTimeout);

    // Act
    await retry(operation, { attempts: 5, baseDelayMs: 10, maxDelayMs: 30, retryable: () => true });

    // Assess
    expect(pauses).toEqual([10, 20, 30, 30]);
  });
});
