import { createHash } from 'node:crypto';
import { InvalidInputError } from '../errors';
import { MAX_IDENTIFIER_BYTES } from './identifiers';

const PREFIX = 'hoopdev_';
const HASH_LENGTH = 8;
/** 63 − "hoopdev_" − "_" − "_" − 8 hex − at least one character of resource slug = 44. */
export const MAX_LABEL_SLUG = MAX_IDENTIFIER_BYTES - PREFIX.length - 2 - HASH_LENGTH - 1;

/** A role label that cannot make a role name: a 400 on the request's `role` field. */
export class InvalidRoleLabelError extends InvalidInputError {
  constructor(problem: string) {
    super(problem, [{ path: 'role', message: problem }]);
  }
}

/**
 * Lowercase; every run of characters outside [a-z0-9] becomes one `_`; no `_` at either end. The
 * result is ASCII, so its length in characters is its length in bytes.
 */
export function slugify(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** Why a label cannot make a role name, or undefined when it can (the zod schema reports it per field). */
export function roleLabelProblem(label: string): string | undefined {
  // The hash covers `resource + ":" + label`: a colon in the label would let ("a:b", "c") and
  // ("a", "b:c") name the same role.
  if (label.includes(':')) return 'role must not contain ":"';
  const slug = slugify(label);
  if (slug === '') return 'role must contain at least one letter or digit';
  if (slug.length > MAX_LABEL_SLUG) {
    return `role is too long: at most ${MAX_LABEL_SLUG} characters once lowercased and reduced to [a-z0-9_]`;
  }
  return undefined;
}

/**
 * `hoopdev_<slug(resource)>_<slug(label)>_<first 8 hex of sha256(resource + ":" + label)>`, at most
 * 63 bytes. Only the resource part is shortened (then re-trimmed, so no `__` appears before the label);
 * the hash over the raw, untruncated names keeps apart names that slug alike. Deterministic, so a plan,
 * its apply and every later plan name the same role.
 */
export function generateRoleName(resourceName: string, label: string): string {
  const problem = roleLabelProblem(label);
  if (problem) throw new InvalidRoleLabelError(problem);
  const labelSlug = slugify(label);
  const hash = createHash('sha256')
    .update(`${resourceName}:${label}`, 'utf8')
    .digest('hex')
    .slice(0, HASH_LENGTH);
  const budget = MAX_IDENTIFIER_BYTES - PREFIX.length - labelSlug.length - HASH_LENGTH - 2;
  const resourceSlug = slugify(resourceName).slice(0, budget).replace(/_+$/, '') || 'x';
  return `${PREFIX}${resourceSlug}_${labelSlug}_${hash}`;
}
