import { createHash } from 'node:crypto';
import {
  DESIRED_ATTRIBUTES,
  type DatabaseState,
  type PlanConfig,
  type RoleAttribute,
  type SchemaState,
  type Snapshot,
  type Statement,
  TABLE_PRIVILEGES,
} from './model';
import { assertNoBlockedOwners, OwnerRights, withOwnerRights } from './owner-rights';
import { PlanFailedError } from './plan-failed';
import { sql } from './statements';

/** A schema's state as the plan reports it. */
export interface ScopeReport {
  usage: boolean;
  create: boolean;
  table_count: number;
  /** Privileges held on every table of the schema. */
  existing_tables: string[];
  /** Privileges held on some tables only, with how many. */
  partial: Record<string, number>;
  /** Default privileges for future tables and routines, per owner whose objects they cover. */
  future_tables: Record<string, string[]>;
  future_routines: Record<string, string[]>;
  routine_count: number;
  routines_with_execute: number;
  exceptions: SchemaState['exceptions'];
}

/** The role's state as the plan reports it. A type alias: unlike an interface it fits `Record<string, unknown>`. */
export type CurrentState = {
  exists: boolean;
  attributes: Record<string, boolean> | null;
  memberships: string[];
  /** Databases the role may connect to. */
  connect: string[];
  scopes: Record<string, ScopeReport>;
};

export interface PlanOutcome {
  statements: Statement[];
  currentState: CurrentState;
  /** Whether the role is created or gets a new password: the apply then makes one. */
  setsPassword: boolean;
}

/** The databases a plan reads and may change: those asked for, and (managed) those the role can reach. */
export function databasesInReach(config: PlanConfig, cluster: Snapshot['cluster']): string[] {
  if (config.type === 'external') return [];
  const reachable = cluster.databases.filter((database) => database.connect).map((database) => database.name);
  return [...new Set([...Object.keys(config.scopes), ...reachable])].sort();
}

/** Which schemas of a database the catalog read must answer for even when the role holds nothing there. */
export function schemasAskedIn(config: PlanConfig, database: string): string[] {
  return config.scopes[database] ?? [];
}

const scopeKey = (database: string, schema: string) => `${database}.${schema}`;

function difference<T>(wanted: readonly T[], present: readonly T[]): T[] {
  return wanted.filter((item) => !present.includes(item));
}

/**
 * The diff between what the config asks for and the snapshot, as the statements that close it. Pure
 * and deterministic: the same config and snapshot always give the same statements in the same order,
 * which is what the apply's drift check (a checksum) relies on.
 */
export function planChanges(config: PlanConfig, snapshot: Snapshot): PlanOutcome {
  const { cluster } = snapshot;
  const role = config.roleName;
  const home = config.defaultDatabase;

  if (config.type === 'external' && (!config.sourceRole || !cluster.source_exists)) {
    throw new PlanFailedError(`source role "${config.sourceRole ?? ''}" does not exist`);
  }
  for (const [database, schemas] of Object.entries(config.scopes)) {
    if (!cluster.databases.some((candidate) => candidate.name === database)) throw new PlanFailedError(`scope "${database}" does not exist: no such database`);
    const state = snapshot.databases.find((candidate) => candidate.database === database);
    for (const schema of schemas) {
      if (!state?.schemas.some((candidate) => candidate.name === schema)) {
        throw new PlanFailedError(`scope "${scopeKey(database, schema)}" does not exist: no such schema`);
      }
    }
  }

  // Statements per database (each database is one transaction of the apply), and the roles whose
  // rights they need.
  const buckets = new Map<string, { statements: string[]; rights: OwnerRights }>();
  const bucket = (database: string) => {
    let found = buckets.get(database);
    if (!found) {
      found = { statements: [], rights: new OwnerRights() };
      buckets.set(database, found);
    }
    return found;
  };
  const at = (database: string): AddStatement => (text, needs = []) => {
    const target = bucket(database);
    target.statements.push(text);
    for (const { owner, what } of needs) target.rights.need(owner, what);
  };
  const inHome = at(home);
  const roleRights = new OwnerRights();

  // The role itself and its memberships: cluster-wide, run in the home database.
  let setsPassword = false;
  if (!cluster.exists) {
    inHome(sql.createRole(role));
    setsPassword = true;
  } else {
    const wrong = Object.fromEntries(
      (Object.keys(DESIRED_ATTRIBUTES) as RoleAttribute[])
        .filter((name) => cluster.attributes?.[name] !== DESIRED_ATTRIBUTES[name])
        .map((name) => [name, DESIRED_ATTRIBUTES[name]]),
    );
    if (Object.keys(wrong).length > 0) inHome(sql.alterAttributes(role, wrong));
    if (config.rotatePassword) {
      inHome(sql.setPassword(role));
      setsPassword = true;
    }
  }
  const memberships = config.type === 'external' && config.sourceRole ? [config.sourceRole] : [];
  // Granting or revoking membership in a role needs ADMIN OPTION on it.
  for (const parent of difference(cluster.memberships, memberships)) {
    inHome(sql.revokeMembership(parent, role));
    roleRights.need(parent, `membership of "${role}" in it`);
  }
  for (const parent of difference(memberships, cluster.memberships)) {
    inHome(sql.grantMembership(parent, role));
    roleRights.need(parent, `membership of "${role}" in it`);
  }
  const blocked = roleRights.blocked(Object.fromEntries(Object.entries(cluster.grantable).map(([parent, admin]) => [parent, admin ? 'admin' : 'none'])));

  const scopes: Record<string, ScopeReport> = {};
  for (const database of databasesInReach(config, cluster)) {
    const state: DatabaseState = snapshot.databases.find((candidate) => candidate.database === database) ?? { database, owner: '', access: {}, schemas: [] };
    const inDatabase = at(database);
    const asked = config.scopes[database] ?? [];
    const connect = cluster.databases.find((candidate) => candidate.name === database)?.connect ?? false;
    const ofDatabase = [{ owner: state.owner, what: `database "${database}"` }];
    if (asked.length > 0 && !connect) inDatabase(sql.grantConnect(database, role), ofDatabase);
    if (asked.length === 0 && connect) inDatabase(sql.revokeConnect(database, role), ofDatabase);

    for (const schema of [...state.schemas].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const wanted = asked.includes(schema.name);
      scopes[scopeKey(database, schema.name)] = reportOf(schema);
      planSchema(config, schema, wanted, (text, needs) => inDatabase(text, needs?.map((need) => ({ ...need, what: `${need.what} in database "${database}"` }))));
    }
    for (const [owner, objects] of bucket(database).rights.blocked(state.access)) blocked.set(owner, [...(blocked.get(owner) ?? []), ...objects]);
  }
  assertNoBlockedOwners(blocked, cluster.master);

  // Home first (the role must exist before the other databases grant to it), then by name, as the apply runs them.
  const statements: Statement[] = [];
  const order = [home, ...[...buckets.keys()].filter((name) => name !== home).sort()];
  for (const database of order) {
    const found = buckets.get(database);
    if (!found) continue;
    const access = snapshot.databases.find((candidate) => candidate.database === database)?.access ?? {};
    for (const text of withOwnerRights(found.statements, found.rights.toTake(access))) statements.push({ database, sql: text });
  }

  return {
    statements,
    setsPassword,
    currentState: {
      exists: cluster.exists,
      attributes: cluster.attributes,
      memberships: cluster.memberships,
      connect: cluster.databases.filter((database) => database.connect).map((database) => database.name),
      scopes,
    },
  };
}

/** Adds a statement of a database, with the roles whose rights it needs. */
type AddStatement = (text: string, needs?: { owner: string; what: string }[]) => void;

function planSchema(config: PlanConfig, schema: SchemaState, wanted: boolean, add: AddStatement): void {
  const role = config.roleName;
  const schemaPrivileges = { USAGE: wanted, CREATE: wanted && config.schemaCreate };
  const held = { USAGE: schema.usage, CREATE: schema.create };
  const schemaRevokes = (['USAGE', 'CREATE'] as const).filter((name) => held[name] && !schemaPrivileges[name]);
  const schemaGrants = (['USAGE', 'CREATE'] as const).filter((name) => !held[name] && schemaPrivileges[name]);
  // Revokes first: a schema being taken away loses its tables' grants before its USAGE.
  const desiredTables = wanted ? config.tablePrivileges : [];
  const tableRevokes = TABLE_PRIVILEGES.filter((name) => !desiredTables.includes(name) && (schema.table_privileges[name] ?? 0) > 0);
  const tableGrants = TABLE_PRIVILEGES.filter((name) => desiredTables.includes(name) && (schema.table_privileges[name] ?? 0) < schema.table_count);
  const ofSchema = [{ owner: schema.owner, what: `schema "${schema.name}"` }];
  const ofTables = schema.table_owners.map((owner) => ({ owner, what: `tables in schema "${schema.name}"` }));
  const ofRoutines = schema.routine_owners.map((owner) => ({ owner, what: `routines in schema "${schema.name}"` }));
  if (tableRevokes.length > 0) add(sql.revokeOnAllTables(tableRevokes, schema.name, role), ofTables);
  const execute = wanted && config.routineExecute;
  if (!execute && schema.execute_count > 0) add(sql.revokeExecuteOnAllRoutines(schema.name, role), ofRoutines);
  if (schemaRevokes.length > 0) add(sql.revokeOnSchema(schemaRevokes, schema.name, role), ofSchema);
  if (schemaGrants.length > 0) add(sql.grantOnSchema(schemaGrants, schema.name, role), ofSchema);
  if (tableGrants.length > 0) add(sql.grantOnAllTables(tableGrants, schema.name, role), ofTables);
  if (execute && schema.execute_count < schema.routine_count) add(sql.grantExecuteOnAllRoutines(schema.name, role), ofRoutines);

  // Future objects of every role that creates objects here.
  const desiredRoutines = execute ? ['EXECUTE'] : [];
  for (const owner of schema.default_privileges) {
    const ofOwner = [{ owner: owner.owner, what: `default privileges in schema "${schema.name}"` }];
    const revokeTables = owner.tables.filter((name) => !(desiredTables as readonly string[]).includes(name));
    const grantTables = difference<string>(desiredTables, owner.tables);
    const revokeRoutines = difference(owner.routines, desiredRoutines);
    const grantRoutines = difference(desiredRoutines, owner.routines);
    if (revokeTables.length > 0) add(sql.revokeDefault(owner.owner, schema.name, sortTablePrivileges(revokeTables), 'TABLES', role), ofOwner);
    if (grantTables.length > 0) add(sql.grantDefault(owner.owner, schema.name, sortTablePrivileges(grantTables), 'TABLES', role), ofOwner);
    if (revokeRoutines.length > 0) add(sql.revokeDefault(owner.owner, schema.name, revokeRoutines, 'ROUTINES', role), ofOwner);
    if (grantRoutines.length > 0) add(sql.grantDefault(owner.owner, schema.name, grantRoutines, 'ROUTINES', role), ofOwner);
  }
}

/** Canonical order of the allow-list, whatever order the catalog answered in. */
function sortTablePrivileges(privileges: string[]): string[] {
  return TABLE_PRIVILEGES.filter((name) => privileges.includes(name));
}

function reportOf(schema: SchemaState): ScopeReport {
  const everywhere = TABLE_PRIVILEGES.filter((name) => schema.table_count > 0 && schema.table_privileges[name] === schema.table_count);
  const partial = Object.fromEntries(Object.entries(schema.table_privileges).filter(([, count]) => count < schema.table_count));
  return {
    usage: schema.usage,
    create: schema.create,
    table_count: schema.table_count,
    existing_tables: everywhere,
    partial,
    future_tables: Object.fromEntries(schema.default_privileges.map((owner) => [owner.owner, owner.tables])),
    future_routines: Object.fromEntries(schema.default_privileges.map((owner) => [owner.owner, owner.routines])),
    routine_count: schema.routine_count,
    routines_with_execute: schema.execute_count,
    exceptions: schema.exceptions,
  };
}

/** sha256 of the statements, in order: what the apply compares against a fresh plan. */
export function checksumOf(statements: Statement[]): string {
  return createHash('sha256').update(JSON.stringify(statements.map((statement) => [statement.database, statement.sql]))).digest('hex');
}
