import * as z from 'zod/mini';

/*
 * The building blocks of the request schemas. Each HTTP function bundles and constructs only what its
 * own routes validate, so what only answers need (and the OpenAPI document) is in `responses.ts`.
 */

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
    .check(
      z.maxLength(maxLength, `${what} must be at most ${maxLength} characters`),
      z.refine((value) => !LONE_SURROGATE.test(value), `${what} must be valid Unicode (it holds a lone surrogate)`),
      z.refine((value) => !CONTROL_CHARACTER.test(value), `${what} must not contain control characters`),
    );

/** The building block of every name and key (resource and role names, types, record keys, group names…): non-empty identifier text. */
export const nameText = (what: string, maxLength: number) => identifierText(what, maxLength).check(z.minLength(1, `${what} must not be empty`));

/** A name addressed in a URL path: a name of 1–128 characters, no slash (it could not be addressed), not blank. */
export const pathName = (what: string) =>
  nameText(what, 128).check(
    z.refine((value) => !value.includes('/'), `${what} must not contain '/'`),
    z.refine((value) => value.trim().length > 0, `${what} must not be blank`),
  );

/**
 * An object of name → value. Its keys follow `nameText`, with the key's own message (zod's is "Invalid
 * key in record"); `__proto__` is refused, since zod and every plain object would silently drop it.
 */
export function namedRecord<Value extends z.ZodMiniType<unknown, unknown>>(what: string, maxKeyLength: number, value: Value) {
  const record = z.record(nameText(what, maxKeyLength), value, {
    error: (issue) => (issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined),
  });
  // zod/mini has no `preprocess`: it is this pipe. The check runs before the record copies the keys.
  const refuseProto = z.transform((input: unknown, payload) => {
    if (typeof input === 'object' && input !== null && Object.hasOwn(input, '__proto__')) {
      payload.issues.push({ code: 'custom', path: ['__proto__'], message: `${what} must not be "__proto__"`, input });
    }
    return input;
  });
  return z.pipe(refuseProto, record);
}

export const uuid = z.uuid('must be a UUID');

/** The path of every route under `/api/resources/{name}` (the resources and the provisioning functions). */
export const resourceParams = z.object({ name: pathName('resource name') });

export const pageQuery = z.object({
  page_size: z._default(
    z.coerce
      .number('page_size must be a number')
      .check(
        z.int('page_size must be an integer'),
        z.gte(1, 'page_size must be between 1 and 100'),
        z.lte(100, 'page_size must be between 1 and 100'),
        z.meta({ description: 'Items per page, 1 to 100 (default 50)' }),
      ),
    50,
  ),
  next_token: z.optional(
    z.string().check(z.minLength(1), z.maxLength(2048), z.meta({ description: 'The opaque `next_token` of the previous page' })),
  ),
});

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
