import { expect } from 'vitest';
import type { DomainError } from '../../functions/core/errors';
import type { Principal } from '../../functions/core/principal';

/** A caller of the use cases, as the HTTP layer would build it from a verified token. */
export function principal(orgId: string, kind: 'admin' | 'auditor' | 'user', sub = `${kind}-1`): Principal {
  return {
    sub,
    email: `${sub}@example.com`,
    orgId,
    groups: kind === 'user' ? ['engineering'] : [kind],
    admin: kind === 'admin',
    auditor: kind === 'auditor',
  };
}

/**
 * Expects a use case to refuse with a domain error of this kind (what the caller's HTTP status is
 * made of, by `instanceof`) and this message (what the caller reads).
 */
export async function expectRefusal(
  call: Promise<unknown>,
  kind: abstract new (...args: never[]) => DomainError,
  message: string,
): Promise<void> {
  const error = await call.then(
    () => undefined,
    (refusal: unknown) => refusal,
  );
  expect(error).toBeInstanceOf(kind);
  expect((error as Error).message).toBe(message);
}
