import type { SessionRecord } from '../audit/model';
import type { Log } from '../log';
import type { ClusterState, DatabaseState, PlanConfig } from '../postgres/model';
import type { Catalog } from '../postgres/snapshot';
import type { ResourceRecord } from '../resources/model';
import type { ClusterTarget, PlanDetails, StoredPlan } from './model';
import type { SessionWriter } from '../audit/ports';

/** What plan and apply need of the world; the entry wires the adapters in, unit tests in-memory ones. */

/** The resources plans are made for. */
export interface ResourceLookup {
  getResource(orgId: string, name: string): Promise<ResourceRecord | undefined>;
}


/**
 * Plans kept for their apply. A plan and its audit session are written together or not at all; a plan
 * is claimed by one apply at most, and not after it expired.
 */
export interface PlanStore {
  /** Writes the session of a plan that succeeded and what its apply needs, in one transaction. */
  create(orgId: string, session: SessionRecord, details: PlanDetails): Promise<void>;
  /** The plan's session, with its details while they are kept; undefined when there is no such session. */
  get(orgId: string, sid: string): Promise<StoredPlan | undefined>;
  /**
   * Marks the plan as taken by the apply `applySid`, at `now` (ISO 8601). Throws ConflictError when it
   * was already taken, has expired, or is gone.
   */
  claim(orgId: string, sid: string, applySid: string, now: string): Promise<void>;
  /** Gives the plan back when the apply that took it ran nothing; does nothing when another apply holds it. */
  release(orgId: string, sid: string, applySid: string): Promise<void>;
}

/** One database's transaction of an apply. Uncommitted, it changes nothing. */
export interface ApplyTransaction {
  /** Takes the database's provisioning lock until the transaction ends: applies and jobs take turns. */
  lock(): Promise<void>;
  /** The cluster's state, read inside this transaction. */
  readCluster(config: PlanConfig): Promise<ClusterState>;
  /** This database's state, read inside this transaction. */
  readDatabase(config: PlanConfig): Promise<DatabaseState>;
  /**
   * Runs this database's statements of the plan, in order, in one call (nothing when there are none).
   * A failure names the statement that failed, its secrets redacted.
   */
  run(statements: readonly string[]): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/** What plan and apply need of one cluster: its catalog, and transactions in its databases. */
export interface ClusterAccess {
  catalog: Catalog;
  begin(database: string): Promise<ApplyTransaction>;
}

/** Stores the credentials of a role the apply made, as a role of the resource (replacing an older one). */
export type CredentialsWriter = (
  orgId: string,
  resource: ResourceRecord,
  credentials: { roleName: string; password: string; database: string; target: ClusterTarget },
) => Promise<void>;

export interface PlanDependencies {
  resources: ResourceLookup;
  plans: PlanStore;
  sessions: SessionWriter;
  clusterFor(target: ClusterTarget): ClusterAccess;
  storeCredentials: CredentialsWriter;
  planTtlSeconds: number;
  log: Log;
  now?: () => Date;
}
