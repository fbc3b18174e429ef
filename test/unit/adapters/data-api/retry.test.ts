import { describe, expect, it } from 'vitest';
import { withRetry } from '../../../../functions/adapters/data-api/sql-executor';

const policy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 };
const failing = (name: string, times: number) => {
  let calls = 0;
  const call = async () => {
    calls++;
    if (calls <= times) throw Object.assign(new Error(`${name} happened`), { name });
    return 'done';
  };
  return { call, calls: () => calls };
};

describe('withRetry', () => {
  it('retries errors that guarantee nothing ran', async () => {
    const resuming = failing('DatabaseResumingException', 2);
    await expect(withRetry(resuming.call, { idempotent: false, policy })).resolves.toBe('done');
    expect(resuming.calls()).toBe(3);
  });

  it('never repeats a statement that may have run, unless it is idempotent', async () => {
    const timeout = failing('StatementTimeoutException', 1);
    await expect(withRetry(timeout.call, { idempotent: false, policy })).rejects.toMatchObject({ name: 'SqlExecutionError', retryable: false });
    expect(timeout.calls()).toBe(1);
    const read = failing('StatementTimeoutException', 1);
    await expect(withRetry(read.call, { idempotent: true, policy })).resolves.toBe('done');
  });

  it('does not retry a database error, and keeps its SQLSTATE', async () => {
    const error = Object.assign(new Error('ERROR: permission denied for schema app; SQLState: 42501'), { name: 'DatabaseErrorException' });
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw error;
        },
        { idempotent: true, policy },
      ),
    ).rejects.toMatchObject({ sqlState: '42501' });
    expect(calls).toBe(1);
  });

  it('gives up after the attempts of the policy', async () => {
    const throttled = failing('ThrottlingException', 10);
    await expect(withRetry(throttled.call, { idempotent: false, policy })).rejects.toMatchObject({ retryable: true });
    expect(throttled.calls()).toBe(4);
  });
});
