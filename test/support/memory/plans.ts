import type { SessionRecord } from '../../../functions/core/audit/model';
import { ConflictError } from '../../../functions/core/errors';
import { SILENT_LOG } from '../../../functions/core/log';
import type { PlanDetails, StoredPlan } from '../../../functions/core/plans/model';
import type { ApplyTransaction, ClusterAccess, CredentialsWriter, PlanDependencies, PlanStore } from '../../../functions/core/plans/ports';
import type { ClusterState, DatabaseState, SchemaState } from '../../../functions/core/postgres/model';
import type { Catalog } from '../../../functions/core/postgres/snapshot';
import { SqlExecutionError } from '../../../functions/core/postgres/sql-port';
import type { ResourceRecord } from '../../../functions/core/resources/model';
import { MemorySessionStore } from './audit';

/**
 * In-memory ports of plan and apply, with the semantics of the real ones: items are copied in and out
 * (as DynamoDB stores them), a session id is written once, a plan and its session are written together,
 * a plan is claimed once and not after it expired, and a transaction changes nothing until it commits.
 */

const key = (orgId: string, id: string) => `${orgId}/${id}`;

/** Plans, in the same table as the sessions (a plan and its session are one transaction). */
export class MemoryPlanStore implements PlanStore {
  readonly items = new Map<string, PlanDetails & { applied_by?: string }>();

  constructor(private readonly sessions: MemorySessionStore) {}

  async create(orgId: string, session: SessionRecord, details: PlanDetails): Promise<void> {
    if (this.items.has(key(orgId, session.id))) throw new Error(`plan ${session.id} exists (TransactionCanceled)`);
    await this.sessions.create(orgId, session);
    this.items.set(key(orgId, session.id), structuredClone(details));
  }

  async get(orgId: string, sid: string): Promise<StoredPlan | undefined> {
    const session = await this.sessions.get(orgId, sid);
    if (!session) return undefined;
    const item = this.items.get(key(orgId, sid));
    if (!item) return { session };
    const { applied_by: _, ...details } = structuredClone(item);
    return { session, details };
  }

  async claim(orgId: string, sid: string, applySid: string, now: string): Promise<void> {
    const item = this.items.get(key(orgId, sid));
    if (item?.applied_by) throw new ConflictError('the plan has already been applied');
    // As the DynamoDB condition does, ISO 8601 instants compare as strings.
    if (!item || !(item.expires_at > now)) throw new ConflictError('the plan has expired: plan again');
    item.applied_by = applySid;
  }

  async release(orgId: string, sid: string, applySid: string): Promise<void> {
    const item = this.items.get(key(orgId, sid));
    if (item?.applied_by === applySid) delete item.applied_by;
  }

  /** What DynamoDB's TTL does, some time after the plans expired. */
  deleteExpired(now: Date): void {
    for (const [id, item] of this.items) if (Date.parse(item.expires_at) <= now.getTime()) this.items.delete(id);
  }
}

/** What a transaction did, in the order it happened. */
export type ClusterEvent =
  | { event: 'begin' | 'lock' | 'commit' | 'rollback'; database: string }
  | { event: 'run'; database: string; sql: string };

/**
 * A cluster holding the live state of the role being planned (whatever its name), with a log of what
 * transactions did. Statements are logged, not interpreted: a test changes `state` to stand for a
 * change made by someone else. Reading a database that does not exist fails, as it does on a server.
 */
export class MemoryCluster implements ClusterAccess {
  readonly events: ClusterEvent[] = [];
  /** A statement the database refuses, with its error. */
  refuse: ((sql: string) => SqlExecutionError | undefined) | undefined;

  constructor(public state: { cluster: ClusterState; databases: DatabaseState[] }) {}

  private readDatabase(database: string): DatabaseState {
    const found = this.state.databases.find((candidate) => candidate.database === database);
    if (!found) throw new SqlExecutionError(`database "${database}" does not exist`, '3D000', false);
    return structuredClone(found);
  }

  readonly catalog: Catalog = {
    readCluster: async () => structuredClone(this.state.cluster),
    readDatabase: async (_, database) => this.readDatabase(database),
  };

  async begin(database: string): Promise<ApplyTransaction> {
    this.readDatabase(database);
    const log = (event: 'lock' | 'commit' | 'rollback') => async () => {
      this.events.push({ event, database });
    };
    this.events.push({ event: 'begin', database });
    return {
      lock: log('lock'),
      readCluster: async () => structuredClone(this.state.cluster),
      readDatabase: async () => this.readDatabase(database),
      run: async (statements) => {
        for (const sql of statements) {
          const refused = this.refuse?.(sql);
          if (refused) throw refused;
          this.events.push({ event: 'run', database, sql });
        }
      },
      commit: log('commit'),
      rollback: log('rollback'),
    };
  }

  /** The statements run in transactions that committed, in the order they ran. */
  committed(): { database: string; sql: string }[] {
    const committed = new Set<number>();
    const pending = new Map<string, number[]>();
    this.events.forEach((entry, index) => {
      if (entry.event === 'run') pending.set(entry.database, [...(pending.get(entry.database) ?? []), index]);
      if (entry.event === 'commit') for (const at of pending.get(entry.database) ?? []) committed.add(at);
      if (entry.event === 'commit' || entry.event === 'rollback') pending.delete(entry.database);
    });
    return this.events.flatMap((entry, index) => (entry.event === 'run' && committed.has(index) ? [{ database: entry.database, sql: entry.sql }] : []));
  }
}

/** Resources by name, of any org. */
export function memoryResources(...resources: ResourceRecord[]) {
  return { getResource: async (_: string, name: string) => structuredClone(resources.find((resource) => resource.name === name)) };
}

/** A resource of the given subtype whose cluster is reachable, `home` its default database. */
export function resourceRecord(name: string, options: { home?: string; subtype?: string; env?: Record<string, string> } = {}): ResourceRecord {
  return {
    id: `id-${name}`,
    name,
    type: 'database',
    subtype: options.subtype ?? 'postgres',
    env_vars: options.env ?? { RDS_CLUSTER_ARN: 'arn:aws:rds:eu-west-1:1:cluster:c', RDS_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:s', DEFAULT_DATABASE: options.home ?? 'postgres' },
    agent_id: null,
    connection_names: {},
    version: 1,
    created_at: '2030-01-01T00:00:00.000Z',
    updated_at: '2030-01-01T00:00:00.000Z',
  };
}

/** The cluster as the catalog read answers it for a role that does not exist yet; `master` owns everything. */
export function clusterState(databases: string[], overrides: Partial<ClusterState> = {}): ClusterState {
  return {
    master: 'postgres',
    exists: false,
    attributes: null,
    memberships: [],
    source_exists: false,
    grantable: {},
    databases: databases.map((name) => ({ name, connect: false })),
    ...overrides,
  };
}

/** The attributes a provisioned role has. */
export const PROVISIONED_ATTRIBUTES = { SUPERUSER: false, INHERIT: true, CREATEROLE: false, CREATEDB: false, LOGIN: true, REPLICATION: false, BYPASSRLS: false };

/** A schema of `postgres`'s with `tables` tables, where the role holds nothing (unless overridden). */
export function schemaState(name: string, overrides: Partial<SchemaState> = {}): SchemaState {
  return {
    name,
    owner: 'postgres',
    usage: false,
    create: false,
    table_count: 3,
    table_owners: ['postgres'],
    routine_owners: [],
    table_privileges: {},
    routine_count: 0,
    execute_count: 0,
    default_privileges: [{ owner: 'postgres', tables: [], routines: [] }],
    exceptions: [],
    ...overrides,
  };
}

export function databaseState(database: string, schemas: SchemaState[]): DatabaseState {
  return { database, owner: 'postgres', access: { postgres: 'self' }, schemas };
}

/** The ports of a plan service over memory, with a clock the test moves. */
export function memoryPlanWorld(cluster: MemoryCluster, ...resources: ResourceRecord[]) {
  const sessions = new MemorySessionStore();
  const plans = new MemoryPlanStore(sessions);
  const stored: { orgId: string; resource: string; roleName: string; password: string; database: string }[] = [];
  const clock = { now: new Date('2030-01-01T00:00:00.000Z') };
  const storeCredentials: CredentialsWriter = async (orgId, resource, credentials) => {
    stored.push({ orgId, resource: resource.name, roleName: credentials.roleName, password: credentials.password, database: credentials.database });
  };
  const dependencies = {
    resources: memoryResources(...resources),
    plans,
    sessions,
    clusterFor: () => cluster,
    storeCredentials,
    planTtlSeconds: 900,
    log: SILENT_LOG,
    now: () => clock.now,
  } satisfies PlanDependencies;
  return { dependencies, sessions, plans, stored, clock };
}
