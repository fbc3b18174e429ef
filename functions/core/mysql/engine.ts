import { UnprocessableError } from '../errors';
import type { JobEngine } from '../dbroles/engine';
import type { SqlPort } from '../postgres/sql-port';
import { assertMysqlIdentifier } from './identifiers';
import { mysqlNativePasswordHash } from './password';
import { grantStatement, LIST_SCHEMAS, loginStatements, PARTIAL_REVOKES, SCHEMA_EXISTS } from './statements';

/**
 * The schema every call is made in. Users and grants are global, so any schema would do; this one
 * exists on every server and every login may use it.
 */
const CONNECTION_SCHEMA = 'information_schema';

/**
 * A DB role job on Aurora MySQL: the targets are the schemas, the job roles are users
 * `'hoop_ro'@'%'` etc. with privileges granted on each schema (`ON schema.*`). Every statement goes
 * through the SqlPort (the Data API), one per call: MySQL commits user and grant changes at once, so
 * there is no transaction to hold. Each is idempotent (IF NOT EXISTS, a password set to a value, an
 * additive GRANT), so it is sent as `query`, which the port may repeat after a timeout.
 */
export function mysqlJobEngine(sql: SqlPort): JobEngine {
  return {
    /** The schemas; refuses a server where the escaped wildcards of schema grants would be taken literally (once per job). */
    async listTargets() {
      const [partialRevokes] = await sql.query<{ Value: string }>(CONNECTION_SCHEMA, PARTIAL_REVOKES);
      if (partialRevokes?.Value === 'ON')
        throw new UnprocessableError('partial_revokes is ON: MySQL then takes the escaped "_" and "%" in schema grants literally, so the grants would not match the schemas');
      const rows = await sql.query<{ name: string }>(CONNECTION_SCHEMA, LIST_SCHEMAS);
      return rows.map((row) => row.name);
    },

    /** Refuses a name MySQL cannot take, and a schema gone since it was listed. */
    async inspect(schema) {
      assertMysqlIdentifier(schema, 'schema');
      const [found] = await sql.query<{ found: number | string }>(CONNECTION_SCHEMA, SCHEMA_EXISTS, { schema });
      // A GRANT on a missing schema succeeds, and would cover a schema made later under that name.
      if (Number(found?.found ?? 0) === 0) throw new UnprocessableError(`schema ${JSON.stringify(schema)} does not exist`);
    },

    /** The server receives the mysql_native_password hash, never the password. */
    async login(jobRole, password) {
      const hash = mysqlNativePasswordHash(password);
      for (const statement of loginStatements(jobRole, hash)) await sql.query(CONNECTION_SCHEMA, statement);
    },

    async grant(schema, jobRoles) {
      for (const jobRole of jobRoles) await sql.query(CONNECTION_SCHEMA, grantStatement(schema, jobRole));
      return { statements: jobRoles.length };
    },

    /**
     * The schema the credentials name: the first target in order, which every job role may use, so
     * that a client's connection opens in a schema it can read; none when the cluster has none.
     */
    credentialsDatabase(targets) {
      return [...targets].sort()[0] ?? '';
    },
  };
}
