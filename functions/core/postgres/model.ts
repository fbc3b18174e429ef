import * as z from 'zod/mini';

/** What a plan asks for, validated and normalised (privileges canonical, scopes parsed). */
export interface PlanConfig {
  /** The generated PostgreSQL role name. */
  roleName: string;
  type: 'managed' | 'external';
  /** Table privileges, canonical order; empty for external. */
  tablePrivileges: TablePrivilege[];
  /** The schema CREATE privilege on every scope. */
  schemaCreate: boolean;
  /** EXECUTE on every routine of every scope. */
  routineExecute: boolean;
  /** Scopes grouped: database → schemas (sorted); empty for external. */
  scopes: Record<string, string[]>;
  sourceRole: string | null;
  rotatePassword: boolean;
  /** Where role-level statements (CREATE ROLE, memberships) run. */
  defaultDatabase: string;
}

export const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'] as const;
export type TablePrivilege = (typeof TABLE_PRIVILEGES)[number];

/** The role attributes a provisioned role must have (true) or not have (false). */
export const DESIRED_ATTRIBUTES = {
  LOGIN: true,
  INHERIT: true,
  SUPERUSER: false,
  CREATEDB: false,
  CREATEROLE: false,
  REPLICATION: false,
  BYPASSRLS: false,
} as const;
export type RoleAttribute = keyof typeof DESIRED_ATTRIBUTES;

/**
 * How the provisioning user can act for a role whose rights a statement needs: it is that role, it
 * holds its privileges (an inheriting member, or a superuser), it may take them for the length of a
 * transaction (ADMIN OPTION), or not at all.
 */
export const roleAccess = z.enum(['self', 'member', 'admin', 'none']);
export type RoleAccess = z.output<typeof roleAccess>;

/** The answer of the cluster catalog read. */
export const clusterState = z.object({
  /** The provisioning user (the Data API's login). */
  master: z.string(),
  exists: z.boolean(),
  attributes: z.nullable(z.record(z.string(), z.boolean())),
  memberships: z.array(z.string()),
  source_exists: z.boolean(),
  /** Whether the provisioning user may grant (and revoke) membership in the source and in each of the role's parents. */
  grantable: z.record(z.string(), z.boolean()),
  databases: z.array(z.object({ name: z.string(), connect: z.boolean() })),
});
export type ClusterState = z.output<typeof clusterState>;

const defaultPrivileges = z.object({ owner: z.string(), tables: z.array(z.string()), routines: z.array(z.string()) });

/** One schema as the per-database catalog read sees it, from the role's point of view. */
export const schemaState = z.object({
  name: z.string(),
  owner: z.string(),
  usage: z.boolean(),
  create: z.boolean(),
  table_count: z.number(),
  /** Owners of the tables (and views, partitions…) and of the routines: GRANT … ON ALL … needs each one's rights. */
  table_owners: z.array(z.string()),
  routine_owners: z.array(z.string()),
  /** Privilege → number of tables (tables, partitions, views, materialized views, foreign tables) holding it. */
  table_privileges: z.record(z.string(), z.number()),
  routine_count: z.number(),
  execute_count: z.number(),
  default_privileges: z.array(defaultPrivileges),
  /** Tables whose privileges differ from what the role holds on every table of the schema (capped). */
  exceptions: z.array(z.object({ table: z.string(), privileges: z.array(z.string()) })),
});
export type SchemaState = z.output<typeof schemaState>;

export const databaseState = z.object({
  database: z.string(),
  /** The database's owner: GRANT CONNECT needs its rights. */
  owner: z.string(),
  /** How the provisioning user can act for every owner above. */
  access: z.record(z.string(), roleAccess),
  schemas: z.array(schemaState),
});
export type DatabaseState = z.output<typeof databaseState>;

/** The live state a plan is made from: the cluster read plus one read per database touched. */
export interface Snapshot {
  cluster: ClusterState;
  databases: DatabaseState[];
}

/** One SQL statement and the database it runs in. Passwords appear only as the placeholder. */
export interface Statement {
  database: string;
  sql: string;
}

/** Stands for the SCRAM verifier in plans; the apply substitutes it in its own invocation only. */
export const PASSWORD_PLACEHOLDER = "'<generated password>'";
