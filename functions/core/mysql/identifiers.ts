import { InvalidIdentifierError } from '../postgres/identifiers';

/**
 * MySQL's limits on names (https://dev.mysql.com/doc/refman/8.0/en/identifier-length.html): a user
 * name has at most 32 characters (MariaDB allows 80; Aurora MySQL 3 does not), a schema name 64.
 */
export const MAX_USER_NAME_LENGTH = 32;
export const MAX_SCHEMA_NAME_LENGTH = 64;

/** What a name is for, and so its limit. */
export type MysqlNameKind = 'user' | 'schema';

const LIMIT: Record<MysqlNameKind, number> = { user: MAX_USER_NAME_LENGTH, schema: MAX_SCHEMA_NAME_LENGTH };

/**
 * Why a name cannot be a MySQL identifier of this kind, or undefined. MySQL and MariaDB refuse NUL and
 * characters beyond the Basic Multilingual Plane in identifiers, and a schema name that ends with a
 * space (https://dev.mysql.com/doc/refman/8.0/en/identifiers.html); lengths count characters.
 */
export function mysqlIdentifierProblem(name: string, kind: MysqlNameKind): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.includes('\0')) return 'must not contain NUL';
  if (/\p{Cs}/u.test(name.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''))) return 'must be valid Unicode';
  if (/[\uD800-\uDFFF]/.test(name)) return 'must not contain characters beyond U+FFFF (MySQL refuses them in names)';
  if (kind === 'schema' && name.endsWith(' ')) return 'must not end with a space';
  if (name.length > LIMIT[kind]) return `must be at most ${LIMIT[kind]} characters (it has ${name.length})`;
  return undefined;
}

/** Throws InvalidIdentifierError (400) unless MySQL would take `name` whole as a name of this kind. */
export function assertMysqlIdentifier(name: string, kind: MysqlNameKind): void {
  const problem = mysqlIdentifierProblem(name, kind);
  if (problem) throw new InvalidIdentifierError(kind, name, problem);
}

/**
 * The one way text reaches MySQL as an identifier: always in backticks, an inner backtick doubled.
 * Quoted, a name is taken as it is: no keyword clash, no way out of the quotes (the `ANSI_QUOTES` SQL
 * mode changes double quotes only). Callers validate what the text names first.
 */
function backticks(text: string): string {
  return `\`${text.replaceAll('`', '``')}\``;
}

/** A validated, backtick-quoted schema or user name. */
export function quoteIdentifier(name: string, kind: MysqlNameKind): string {
  assertMysqlIdentifier(name, kind);
  return backticks(name);
}

/** `` `user`@`%` ``: the account a job role logs in as, from any host. */
export function quoteAccount(user: string): string {
  return `${quoteIdentifier(user, 'user')}@${backticks('%')}`;
}

/**
 * `` `schema`.* `` for a schema-level GRANT, where `_` and `%` in the name are wildcards: granting on
 * `app_1` would also grant on `appX1`. Each is escaped with a backslash, and so is a backslash, as the
 * manual says to (GRANT, "Database Privileges"); MySQL with `partial_revokes` on takes them literally
 * instead, which `inspect` refuses.
 */
export function schemaGrantTarget(schema: string): string {
  assertMysqlIdentifier(schema, 'schema');
  return `${backticks(schema.replace(/[\\_%]/g, '\\$&'))}.*`;
}
