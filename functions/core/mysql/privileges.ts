import type { JobRole } from '../dbroles/model';

/**
 * What each job role may do in every schema on MySQL, each role with the privileges of the one before
 * it. Granted `ON schema.*` only, never `ON *.*`: a user holds nothing in `mysql`, `sys` or
 * `performance_schema`, so `hoop_ro` cannot read the password hashes in `mysql.user`.
 */
const READ = ['SELECT', 'SHOW VIEW'] as const;
const WRITE = [...READ, 'INSERT', 'UPDATE', 'DELETE', 'EXECUTE'] as const;
const DDL = [...WRITE, 'CREATE', 'ALTER', 'DROP', 'INDEX', 'REFERENCES', 'CREATE VIEW', 'CREATE ROUTINE', 'ALTER ROUTINE', 'TRIGGER'] as const;

export const MYSQL_JOB_ROLE_PRIVILEGES: Record<JobRole, readonly string[]> = { hoop_ro: READ, hoop_rw: WRITE, hoop_ddl: DDL };
