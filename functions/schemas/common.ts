import { z } from 'zod';

/** Bytes, not characters: DynamoDB and PostgreSQL limits are in bytes. */
export function utf8Bytes(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to reject control characters.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * A name that is addressed in a URL path: 1–128 characters, no slash (it could not be addressed),
 * no control characters, not blank.
 */
export const pathName = (what: string) =>
  z
    .string()
    .min(1, `${what} is required`)
    .max(128, `${what} must be at most 128 characters`)
    .refine((value) => !value.includes('/'), `${what} must not contain '/'`)
    .refine((value) => !CONTROL_CHARACTERS.test(value), `${what} must not contain control characters`)
    .refine((value) => value.trim().length > 0, `${what} must not be blank`);

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
