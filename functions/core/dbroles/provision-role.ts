import { generatePassword, scramSha256Verifier } from '../postgres/password';
import type { SqlPort } from '../postgres/sql-port';
import { JOB_DATABASES_SQL, JOB_SCHEMAS_SQL } from '../postgres/catalog';
import type { RoleAccess } from '../postgres/model';
import { assertNoBlockedOwners, OwnerRights, withOwnerRights } from '../postgres/owner-rights';
import { sql } from '../postgres/statements';
import { JOB_ROLE_PRIVILEGES, type JobRole, type JobTarget } from './model';

/** A row of JOB_SCHEMAS_SQL: `owners` and `access` are JSON. */
interface JobSchemaRow extends Record<string, unknown> {
  name: string;
  master: string;
  owners: string;
  access: string;
}

/** How the master can act for every database role whose rights the grants of these schemas need. */
function accessOf(schemas: JobSchemaRow[]): Record<string, RoleAccess> {
  return Object.assign({}, ...schemas.map((schema) => JSON.parse(schema.access) as Record<string, RoleAccess>));
}

/** A job grants on every schema: it needs the rights of each schema's owner, its objects' owners and the database's owner. */
function ownerRightsOf(database: string, schemas: JobSchemaRow[]): OwnerRights {
  const rights = new OwnerRights();
  for (const schema of schemas) {
    for (const owner of Object.keys(JSON.parse(schema.access) as Record<string, RoleAccess>)) rights.need(owner, `schema "${schema.name}" in database "${database}"`);
  }
  return rights;
}

/** Keeps a new password where users will find it, before the database is told about it. */
export type JobRoleCredentialsWriter = (target: JobTarget, jobRole: JobRole, credentials: { password: string; database: string }) => Promise<void>;

export interface JobRoleProvisioningDependencies {
  sql: SqlPort;
  storeCredentials: JobRoleCredentialsWriter;
  /** Where role-level statements run; `postgres` exists on every Aurora PostgreSQL cluster. */
  homeDatabase?: string;
}

export interface JobRoleProvisioningOutcome {
  databases: number;
  statements: number;
}

/**
 * Creates the job role's database role, or resets its password, and completes its grants in every
 * database and schema for existing and future objects. Safe to run again: it only adds grants. The
 * password exists only in this call: it is stored first, then the database gets its SCRAM verifier.
 * Each database is one transaction under the database's provisioning lock (the same lock plan/apply
 * takes).
 */
export async function provisionJobRole(deps: JobRoleProvisioningDependencies, target: JobTarget, jobRole: JobRole): Promise<JobRoleProvisioningOutcome> {
  const home = deps.homeDatabase ?? 'postgres';
  const privileges = JOB_ROLE_PRIVILEGES[jobRole];
  const databases = (await deps.sql.query<{ name: string }>(home, JOB_DATABASES_SQL)).map((row) => row.name);
  if (databases.length === 0) throw new Error('cannot find any databases to provision roles');
  // Before anything changes: every owner whose rights the grants need must be one the master can act for.
  const blocked = new Map<string, string[]>();
  let master = '';
  for (const database of databases) {
    const schemas = await deps.sql.query<JobSchemaRow>(database, JOB_SCHEMAS_SQL);
    master = schemas[0]?.master ?? master;
    for (const [owner, objects] of ownerRightsOf(database, schemas).blocked(accessOf(schemas))) blocked.set(owner, [...(blocked.get(owner) ?? []), ...objects]);
  }
  assertNoBlockedOwners(blocked, master);

  const password = generatePassword();
  await deps.storeCredentials(target, jobRole, { password, database: databases.includes(home) ? home : (databases[0] ?? home) });
  const verifier = scramSha256Verifier(password);
  let statements = 0;

  const loginTransaction = await deps.sql.begin(home);
  try {
    await loginTransaction.execute(sql.lockProvisioning());
    const exists = await loginTransaction.query<{ found: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :role) AS found', { role: jobRole });
    await loginTransaction.execute(exists[0]?.found ? sql.resetLoginPassword(jobRole, verifier) : sql.createLoginRole(jobRole, verifier));
    statements++;
    await loginTransaction.commit();
  } catch (error) {
    await loginTransaction.rollback().catch(() => undefined);
    throw error;
  }

  for (const database of databases) {
    const transaction = await deps.sql.begin(database);
    try {
      await transaction.execute(sql.lockProvisioning());
      const schemas = await transaction.query<JobSchemaRow>(JOB_SCHEMAS_SQL);
      const rights = ownerRightsOf(database, schemas);
      const access = accessOf(schemas);
      assertNoBlockedOwners(rights.blocked(access), schemas[0]?.master ?? '');
      const grants = [sql.grantConnect(database, jobRole)];
      for (const schema of schemas) {
        const owners = JSON.parse(schema.owners) as string[];
        grants.push(sql.grantOnSchema(privileges.schemaCreate ? ['USAGE', 'CREATE'] : ['USAGE'], schema.name, jobRole));
        grants.push(sql.grantOnAllTables(privileges.tables, schema.name, jobRole));
        if (privileges.sequences) grants.push(sql.grantOnAllSequences(['USAGE', 'SELECT', 'UPDATE'], schema.name, jobRole));
        for (const owner of owners) {
          grants.push(sql.grantDefault(owner, schema.name, privileges.tables, 'TABLES', jobRole));
          if (privileges.sequences) grants.push(sql.grantDefault(owner, schema.name, ['USAGE', 'SELECT', 'UPDATE'], 'SEQUENCES', jobRole));
        }
      }
      const run = withOwnerRights(grants, rights.toTake(access));
      for (const statement of run) await transaction.execute(statement);
      statements += run.length;
      await transaction.commit();
    } catch (error) {
      await transaction.rollback().catch(() => undefined);
      throw error;
    }
  }
  return { databases: databases.length, statements };
}
