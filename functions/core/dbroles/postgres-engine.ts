import { scramSha256Verifier } from '../postgres/password';
import { JOB_DATABASES_SQL, JOB_SCHEMAS_FINGERPRINT_SQL } from '../postgres/catalog';
import { quoteLiteral } from '../postgres/identifiers';
import type { RoleAccess } from '../postgres/model';
import { assertNoBlockedOwners, OwnerRights, withOwnerRights } from '../postgres/owner-rights';
import { SqlExecutionError, type SqlPort } from '../postgres/sql-port';
import { plpgsqlBlock, statementBlock } from '../postgres/statement-block';
import { sql } from '../postgres/statements';
import type { JobEngine } from './engine';
import { JOB_ROLE_PRIVILEGES, type JobRole } from './model';

/** A row of JOB_SCHEMAS_SQL (read with its fingerprint): `owners` and `access` are JSON. */
interface JobSchemaRow extends Record<string, unknown> {
  name: string;
  master: string;
  owners: string;
  access: string;
  fingerprint: string;
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

/** The grants of one job role in one database: CONNECT, then each schema's objects, existing and future. */
function grantsOf(database: string, schemas: JobSchemaRow[], jobRole: JobRole): string[] {
  const privileges = JOB_ROLE_PRIVILEGES[jobRole];
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
  return grants;
}

/** The schemas changed between the read and the lock: the grants were built for another catalog. */
export class CatalogChangedError extends Error {
  override name = 'CatalogChangedError';
}

/** SQLSTATE the grant block raises when the catalog it was built for is no longer there. */
const CATALOG_CHANGED = 'P0C01';
const GRANT_ATTEMPTS = 3;

/**
 * DB role jobs on Aurora PostgreSQL. Every change to a database is ONE Data API call: a `DO` block
 * that takes the database's provisioning lock (the one plan/apply takes), checks that the schemas are
 * still those the grants were built from, and runs them, all in one transaction. A grant therefore
 * costs a catalog read and one block per database, whatever the number of schemas and statements.
 *
 * `home` is where role-level statements run: `postgres` exists on every Aurora PostgreSQL cluster.
 */
export function postgresJobEngine(port: SqlPort, home = 'postgres'): JobEngine {
  const readSchemas = (database: string) => port.query<JobSchemaRow>(database, JOB_SCHEMAS_FINGERPRINT_SQL);

  return {
    async listTargets() {
      const databases = (await port.query<{ name: string }>(home, JOB_DATABASES_SQL)).map((row) => row.name);
      if (databases.length === 0) throw new Error('cannot find any databases to provision roles');
      return databases;
    },

    async inspect(database) {
      const schemas = await readSchemas(database);
      assertNoBlockedOwners(ownerRightsOf(database, schemas).blocked(accessOf(schemas)), schemas[0]?.master ?? '');
    },

    async login(jobRole, password) {
      const verifier = scramSha256Verifier(password);
      await port.query(
        home,
        plpgsqlBlock(`
BEGIN
  EXECUTE ${quoteLiteral(sql.lockProvisioning())};
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${quoteLiteral(jobRole)}) THEN
    EXECUTE ${quoteLiteral(sql.resetLoginPassword(jobRole, verifier))};
  ELSE
    EXECUTE ${quoteLiteral(sql.createLoginRole(jobRole, verifier))};
  END IF;
END`),
      );
    },

    async grant(database, jobRoles) {
      if (jobRoles.length === 0) return { statements: 0 };
      for (let attempt = 1; ; attempt++) {
        const schemas = await readSchemas(database);
        const rights = ownerRightsOf(database, schemas);
        const access = accessOf(schemas);
        assertNoBlockedOwners(rights.blocked(access), schemas[0]?.master ?? '');
        const statements = withOwnerRights(
          jobRoles.flatMap((jobRole) => grantsOf(database, schemas, jobRole)),
          rights.toTake(access),
        );
        // With no schemas the fingerprint is NULL: compared with IS DISTINCT FROM, as a value.
        const fingerprint = schemas[0]?.fingerprint;
        try {
          await port.query(
            database,
            statementBlock(statements, [
              `EXECUTE ${quoteLiteral(sql.lockProvisioning())};`,
              `IF (${JOB_SCHEMAS_FINGERPRINT_ONLY}) IS DISTINCT FROM ${fingerprint === undefined ? 'NULL' : quoteLiteral(fingerprint)} THEN`,
              `  RAISE EXCEPTION USING ERRCODE = ${quoteLiteral(CATALOG_CHANGED)}, MESSAGE = ${quoteLiteral(`the schemas of database "${database}" changed while the job ran`)};`,
              'END IF;',
            ]),
          );
          return { statements: statements.length };
        } catch (error) {
          if (!isCatalogChange(error)) throw error;
          if (attempt >= GRANT_ATTEMPTS) throw new CatalogChangedError(`the schemas of database "${database}" kept changing while the job ran; run the job again`);
        }
      }
    },

    credentialsDatabase: (databases) => (databases.includes(home) ? home : (databases[0] ?? home)),
  };
}

/** The fingerprint alone, as the block computes it under the lock (NULL when there are no schemas). */
const JOB_SCHEMAS_FINGERPRINT_ONLY = `SELECT max(fingerprint) FROM (${JOB_SCHEMAS_FINGERPRINT_SQL}) AS read`;

function isCatalogChange(error: unknown): boolean {
  return error instanceof SqlExecutionError && error.sqlState === CATALOG_CHANGED;
}
