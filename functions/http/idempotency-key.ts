import { InvalidInputError } from '../core/errors';

/** Printable ASCII, no spaces. */
const KEY = /^[\x21-\x7e]{1,255}$/;

/** The `Idempotency-Key` header: absent, or 1–255 printable ASCII characters (400 otherwise). */
export function idempotencyKeyOf(headers: Record<string, string | undefined>): string | undefined {
  const key = headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (!KEY.test(key)) throw new InvalidInputError('invalid Idempotency-Key: 1 to 255 printable ASCII characters, no spaces');
  return key;
}
