import { PASSWORD_PLACEHOLDER, type RoleAttribute } from './model';
import { quoteIdentifier as ident, quoteLiteral } from './identifiers';

/**
 * Every SQL statement the provisioning writes is built here, from quoted identifiers and words of the
 * allow-lists (privileges, attributes) only: no caller text reaches SQL any other way.
 */
const list = (privileges: readonly string[]) => privileges.join(', ');

type DefaultObjects = 'TABLES' | 'SEQUENCES' | 'ROUTINES';

export const sql = {
  createRole: (role: string) => `CREATE ROLE ${ident(role)} WITH LOGIN INHERIT PASSWORD ${PASSWORD_PLACEHOLDER}`,
  alterAttributes: (role: string, attributes: Partial<Record<RoleAttribute, boolean>>) =>
    `ALTER ROLE ${ident(role)} WITH ${Object.entries(attributes)
      .map(([name, on]) => (on ? name : `NO${name}`))
      .join(' ')}`,
  setPassword: (role: string) => `ALTER ROLE ${ident(role)} WITH PASSWORD ${PASSWORD_PLACEHOLDER}`,
  grantMembership: (parent: string, role: string) => `GRANT ${ident(parent)} TO ${ident(role)}`,
  revokeMembership: (parent: string, role: string) => `REVOKE ${ident(parent)} FROM ${ident(role)}`,
  grantConnect: (database: string, role: string) => `GRANT CONNECT ON DATABASE ${ident(database)} TO ${ident(role)}`,
  revokeConnect: (database: string, role: string) => `REVOKE CONNECT ON DATABASE ${ident(database)} FROM ${ident(role)}`,
  grantOnSchema: (privileges: readonly string[], schema: string, role: string) => `GRANT ${list(privileges)} ON SCHEMA ${ident(schema)} TO ${ident(role)}`,
  revokeOnSchema: (privileges: readonly string[], schema: string, role: string) =>
    `REVOKE ${list(privileges)} ON SCHEMA ${ident(schema)} FROM ${ident(role)}`,
  grantOnAllTables: (privileges: readonly string[], schema: string, role: string) =>
    `GRANT ${list(privileges)} ON ALL TABLES IN SCHEMA ${ident(schema)} TO ${ident(role)}`,
  revokeOnAllTables: (privileges: readonly string[], schema: string, role: string) =>
    `REVOKE ${list(privileges)} ON ALL TABLES IN SCHEMA ${ident(schema)} FROM ${ident(role)}`,
  grantExecuteOnAllRoutines: (schema: string, role: string) => `GRANT EXECUTE ON ALL ROUTINES IN SCHEMA ${ident(schema)} TO ${ident(role)}`,
  revokeExecuteOnAllRoutines: (schema: string, role: string) => `REVOKE EXECUTE ON ALL ROUTINES IN SCHEMA ${ident(schema)} FROM ${ident(role)}`,
  grantOnAllSequences: (privileges: readonly string[], schema: string, role: string) =>
    `GRANT ${list(privileges)} ON ALL SEQUENCES IN SCHEMA ${ident(schema)} TO ${ident(role)}`,
  /** A login role for a DB role job; the password is only ever a SCRAM verifier. */
  createLoginRole: (role: string, verifier: string) =>
    `CREATE ROLE ${ident(role)} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${quoteLiteral(verifier)}`,
  resetLoginPassword: (role: string, verifier: string) => `ALTER ROLE ${ident(role)} WITH LOGIN PASSWORD ${quoteLiteral(verifier)}`,
  grantDefault: (owner: string, schema: string, privileges: readonly string[], objects: DefaultObjects, role: string) =>
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(owner)} IN SCHEMA ${ident(schema)} GRANT ${list(privileges)} ON ${objects} TO ${ident(role)}`,
  revokeDefault: (owner: string, schema: string, privileges: readonly string[], objects: DefaultObjects, role: string) =>
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(owner)} IN SCHEMA ${ident(schema)} REVOKE ${list(privileges)} ON ${objects} FROM ${ident(role)}`,
  /**
   * Takes, for the rest of the transaction, the rights of a role the provisioning user holds ADMIN
   * OPTION on (on Aurora, the roles the master created): GRANT on its objects and ALTER DEFAULT
   * PRIVILEGES FOR it need them. Given back by `giveBackRole` before the commit.
   */
  takeRole: (owner: string) => `GRANT ${ident(owner)} TO CURRENT_USER`,
  giveBackRole: (owner: string) => `REVOKE ${ident(owner)} FROM CURRENT_USER`,
  /** What an administrator runs so that the provisioning user may take these roles' rights (ADMIN OPTION only, nothing standing). */
  allowActingFor: (owners: readonly string[], user: string) =>
    `GRANT ${owners.map((owner) => ident(owner)).join(', ')} TO ${ident(user)} WITH ADMIN TRUE, INHERIT FALSE, SET FALSE`,
  /** Applies and jobs on a database take turns: held until the transaction ends. Take in database-name order. */
  lockProvisioning: () => `SELECT pg_advisory_xact_lock(hashtextextended(${quoteLiteral('db-access:provisioning')}, 0))`,
};

