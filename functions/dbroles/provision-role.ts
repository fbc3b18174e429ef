import { generatePassword, scramSha256Verifier } from '../commons/password';
import type { SqlPort } from '../provisioning/ports';
import { JOB_DATABASES_SQL, JOB_SCHEMAS_SQL } from '../provisioning/sql/catalog';
import { sql } from '../provisioning/sql/statements';
import { JOB_ROLE_PRIVILEGES, type JobRole, type JobTarget } from './model';

/** Keeps a new password where users will find it, before the database is told about it. */
export type RoleCredentialsWriter = (target: JobTarget, role: JobRole, credentials: { password: string; database: string }) => Promise<void>;

export interface RoleProvisioningDependencies {
  sql: SqlPort;
  storeCredentials: RoleCredentialsWriter;
  /** Where role-level statements run; `postgres` exists on every Aurora PostgreSQL cluster. */
  homeDatabase?: string;
}

export interface RoleProvisioningOutcome {
  databases: number;
  statements: number;
}

/**
 * Creates the role, or resets its password, and completes its grants in every database and schema
 * for existing and future objects. Safe to run again: it only adds grants. The password exists only
 * in this call: it is stored first, then the database gets its SCRAM verifier. Each database is one
 * transaction under the database's provisioning lock (the same lock plan/apply takes).
 */
export async function provisionJobRole(deps: RoleProvisioningDependencies, target: JobTarget, role: JobRole): Promise<RoleProvisioningOutcome> {
  const home = deps.homeDatabase ?? 'postgres';
  const privileges = JOB_ROLE_PRIVILEGES[role];
  const databases = (await deps.sql.query<{ name: string }>(home, JOB_DATABASES_SQL)).map((row) => row.name);
  if (databases.length === 0) throw new Error('cannot find any databases to provision roles');

  const password = generatePassword();
  await deps.storeCredentials(target, role, { password, database: databases.includes(home) ? home : (databases[0] ?? home) });
  const verifier = scramSha256Verifier(password);
  let statements = 0;

  const roleTransaction = await deps.sql.begin(home);
  try {
    await roleTransaction.execute(sql.lockProvisioning());
    const exists = await roleTransaction.query<{ found: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :role) AS found', { role });
    await roleTransaction.execute(exists[0]?.found ? sql.resetLoginPassword(role, verifier) : sql.createLoginRole(role, verifier));
    statements++;
    await roleTransaction.commit();
  } catch (error) {
    await roleTransaction.rollback().catch(() => undefined);
    throw error;
  }

  for (const database of databases) {
    const transaction = await deps.sql.begin(database);
    try {
      await transaction.execute(sql.lockProvisioning());
      const schemas = await transaction.query<{ name: string; owners: string }>(JOB_SCHEMAS_SQL);
      const grants = [sql.grantConnect(database, role)];
      for (const schema of schemas) {
        const owners = JSON.parse(schema.owners) as string[];
        grants.push(sql.grantOnSchema(privileges.schemaCreate ? ['USAGE', 'CREATE'] : ['USAGE'], schema.name, role));
        grants.push(sql.grantOnAllTables(privileges.tables, schema.name, role));
        if (privileges.sequences) grants.push(sql.grantOnAllSequences(['USAGE', 'SELECT', 'UPDATE'], schema.name, role));
        for (const owner of owners) {
          grants.push(sql.grantDefault(owner, schema.name, privileges.tables, 'TABLES', role));
          if (privileges.sequences) grants.push(sql.grantDefault(owner, schema.name, ['USAGE', 'SELECT', 'UPDATE'], 'SEQUENCES', role));
        }
      }
      for (const grant of grants) await transaction.execute(grant);
      statements += grants.length;
      await transaction.commit();
    } catch (error) {
      await transaction.rollback().catch(() => undefined);
      throw error;
    }
  }
  return { databases: databases.length, statements };
}
