import type { JobRole } from '../dbroles/model';
import { quoteAccount, schemaGrantTarget } from './identifiers';
import { MYSQL_NATIVE_HASH } from './password';
import { MYSQL_JOB_ROLE_PRIVILEGES } from './privileges';

/** The SQL a MySQL job sends, built here only; names go through `identifiers.ts`. */

/** The schemas MySQL keeps for itself: never a job's target. */
export const SYSTEM_SCHEMAS = ['information_schema', 'mysql', 'performance_schema', 'sys'] as const;

/** The job's targets: every other schema, in one read. */
export const LIST_SCHEMAS = `SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN (${SYSTEM_SCHEMAS.map((name) => `'${name}'`).join(', ')}) ORDER BY SCHEMA_NAME`;

/** Whether a schema exists (`:schema`). */
export const SCHEMA_EXISTS = 'SELECT COUNT(*) AS found FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = :schema';

/** MySQL 8.0's `partial_revokes` (no row on MariaDB, which has no such setting). */
export const PARTIAL_REVOKES = "SHOW VARIABLES LIKE 'partial_revokes'";

/** The hash as a string literal: it can only be `*` and hex digits, so nothing needs escaping. */
function hashLiteral(hash: string): string {
  if (!MYSQL_NATIVE_HASH.test(hash)) throw new RangeError('not a mysql_native_password hash');
  return `'${hash}'`;
}

const identifiedBy = (hash: string) => `IDENTIFIED WITH mysql_native_password AS ${hashLiteral(hash)}`;

/**
 * A login's two statements: create the user if missing, then set its password (a no-op change for a
 * user just made, a rotation for one that was there). Neither drops the user, so its grants stay.
 */
export function loginStatements(user: JobRole, hash: string): [create: string, setPassword: string] {
  const account = quoteAccount(user);
  return [`CREATE USER IF NOT EXISTS ${account} ${identifiedBy(hash)}`, `ALTER USER ${account} ${identifiedBy(hash)}`];
}

/** `GRANT … ON `schema`.* TO `role`@`%``: a job role's privileges on one schema. */
export function grantStatement(schema: string, jobRole: JobRole): string {
  return `GRANT ${MYSQL_JOB_ROLE_PRIVILEGES[jobRole].join(', ')} ON ${schemaGrantTarget(schema)} TO ${quoteAccount(jobRole)}`;
}
