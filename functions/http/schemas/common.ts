import * as z from 'zod';

// A lone surrogate (JSON "\ud800") has no UTF-8 form: stored, two such names become one; in a URL, none.
const LONE_SURROGATE = /\p{Cs}/u;
// C0, DEL and C1: a NUL or a newline hides what a name is ("DB_PASSWORD\n" is not "DB_PASSWORD").
const CONTROL_CHARACTER = /\p{Cc}/u;

/**
 * Text that names or identifies something, possibly empty (an unset `default_database`): at most
 * `maxLength` characters, valid Unicode, no control characters.
 */
export const identifierText = (what: string, maxLength: number) =>
  z
    .string(`${what} must be a string`)
    .max(maxLength, `${what} must be at most ${maxLength} characters`)
    .refine((value) => !LONE_SURROGATE.test(value), `${what} must be valid Unicode (it holds a lone surrogate)`)
    .refine((value) => !CONTROL_CHARACTER.test(value), `${what} must not contain control characters`);

/** The building block of every name and key (resource and role names, types, record keys, group names…): non-empty identifier text. */
export const nameText = (what: string, maxLength: number) => identifierText(what, maxLength).min(1, `${what} must not be empty`);

/** A name addressed in a URL path: a name of 1–128 characters, no slash (it could not be addressed), not blank. */
export const pathName = (what: string) =>
  nameText(what, 128)
    .refine((value) => !value.includes('/'), `${what} must not contain '/'`)
    .refine((value) => value.trim().length > 0, `${what} must not be blank`);

/**
 * An object of name → value. Its keys follow `nameText`, with the key's own message (zod's is "Invalid
 * key in record"); `__proto__` is refused, since zod and every plain object would silently drop it.
 */
export function namedRecord<Value extends z.ZodType>(what: string, maxKeyLength: number, value: Value) {
  const record = z.record(nameText(what, maxKeyLength), value, {
    error: (issue) => (issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined),
  });
  return z.preprocess((input, context) => {
    if (typeof input === 'object' && input !== null && Object.hasOwn(input, '__proto__')) {
      context.addIssue({ code: 'custom', path: ['__proto__'], message: `${what} must not be "__proto__"` });
    }
    return input;
  }, record);
}

export const uuid = z.uuid('must be a UUID');

export const timestamp = z.iso.datetime().meta({ description: 'RFC 3339 UTC time', example: '2026-11-25T12:00:00.000Z' });

export const errorResponse = z
  .object({
    message: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Error', description: 'Every error answer; validation errors add `errors`.' });

export const pageQuery = z.object({
  page_size: z.coerce
    .number('page_size must be a number')
    .int('page_size must be an integer')
    .min(1, 'page_size must be between 1 and 100')
    .max(100, 'page_size must be between 1 and 100')
    .default(50)
    .meta({ description: 'Items per page, 1 to 100 (default 50)' }),
  next_token: z
    .string()
    .min(1)
    .max(2048)
    .optional()
    .meta({ description: 'The opaque `next_token` of the previous page' }),
});

export const nextToken = z.string().nullable().meta({ description: 'Pass as `next_token` for the next page; null on the last page' });

export function pageOf<T extends z.ZodType>(item: T, id: string) {
  return z.object({ items: z.array(item), next_token: nextToken }).meta({ id });
}

/**
 * Compile-time checks that the wire and the core cannot drift apart. `Same`: assignable both ways and
 * with the same keys (optional ones too), so neither side gains or loses a field unseen; `Fits`: `A`
 * can be given where `B` is expected (what the core answers fits its response schema); `Holds`:
 * compiles only when the check is true.
 */
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export type Same<A, B> = Mutual<A, B> extends true ? Mutual<keyof A, keyof B> : false;
export type Fits<A, B> = [A] extends [B] ? true : false;
export type Holds<T extends true> = T;
