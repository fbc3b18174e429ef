import type { ResourceService } from '../resources/use-cases';
import type { DbRoleJob, JobPhase, JobRecord, JobRole, JobRoleResult, JobTarget, JOB_FINISHED } from './model';

/** The job holding a cluster's lock, and since when. */
export interface LockHolder {
  job_id: string;
  org_id: string;
  /** When the holder took the lock (before its workflow was started). */
  locked_at: string;
}

export interface ClusterLease {
  clusterArn: string;
  until: string;
  now: string;
  /** Takes the lock from this job (whose execution is dead) rather than only when it is free. */
  takeOverFrom?: string;
}

export interface JobEnd {
  phase: Exclude<JobPhase, 'running'>;
  message: string;
  completedAt: string;
  /** Replaces the job roles' results; kept as they are when absent. */
  result?: JobRoleResult[];
}

/**
 * DB role jobs, each cluster's owner and lock, and the events already handled. Every transition is
 * conditional: a cluster is claimed only by its first org, a job role's result or the end of a job
 * is written only while the job is running, a lock is taken only when free, when its lease has run
 * out or from the dead holder named, and released only by its holder.
 */
export interface JobStore {
  /**
   * Writes a running job, claims the cluster for its org and takes the cluster's lock, all or
   * nothing. False, writing nothing, when another job holds the lock; a ConflictError, writing
   * nothing, when the cluster belongs to another org.
   */
  createWithLock(record: JobRecord, lease: ClusterLease): Promise<boolean>;
  /** Writes a job that has already ended (it found the cluster locked); a ConflictError if the cluster is another org's. */
  createEnded(record: JobRecord, clusterArn: string): Promise<void>;
  /** The job holding a cluster's lock, or undefined when it is free. */
  lockHolder(clusterArn: string): Promise<LockHolder | undefined>;
  /** Gives the cluster back, if this job still holds it. */
  releaseLock(clusterArn: string, jobId: string): Promise<void>;
  get(orgId: string, jobId: string): Promise<JobRecord | undefined>;
  /** The org's jobs, newest first. */
  list(orgId: string, page: { pageSize: number; nextToken?: string }): Promise<{ records: JobRecord[]; nextToken: string | null }>;
  /** Records the outcome of the job role at `index` of the job's results, while the job runs. */
  recordJobRoleResult(orgId: string, jobId: string, index: number, result: JobRoleResult): Promise<void>;
  /** Ends a running job; false when it had already ended. */
  finish(orgId: string, jobId: string, end: JobEnd): Promise<boolean>;
  /**
   * Ends a job that will not finish by itself (its workflow ended or died): the job, and each job
   * role still running (`failRunning`), fail with these messages. False when it had already ended.
   */
  failUnfinished(orgId: string, jobId: string, end: { message: string; jobRoleMessage: string; completedAt: string }): Promise<boolean>;
  /** True the first time an event id is seen, false for a redelivery. */
  claimEvent(orgId: string, eventId: string): Promise<boolean>;
}

/** The Aurora cluster a job provisions, as RDS describes it. */
export interface ClusterDescription {
  arn: string;
  id: string;
  engine: string;
  /** The cluster's initial database name (empty when none was given). */
  databaseName: string;
  endpoint: string;
  port: number;
  tags: { key: string; value: string }[];
  /** The RDS-managed master user secret, or null when the cluster has none. */
  masterSecretArn: string | null;
  httpEndpointEnabled: boolean;
}

/** Finds the database behind an instance or cluster ARN; NotFoundError or UnprocessableError when it cannot. */
export interface DatabaseDescriber {
  describe(arn: string): Promise<ClusterDescription>;
}

/** Who the service runs as in AWS (seed 002's `account_arn`). */
export interface IdentityReader {
  accountArn(): Promise<string>;
}

/** Whether a job's execution runs: `not-found` also while its job, just locked, has yet to start it. */
export type ExecutionState = 'running' | 'ended' | 'not-found';

/** The workflow of jobs (Step Functions in AWS, the local runner locally). */
export interface JobWorkflow {
  /** Starts the job's execution; starting it again is harmless. */
  start(target: JobTarget): Promise<void>;
  executionState(jobId: string): Promise<ExecutionState>;
}

/** Writes credentials to a Vault KV v2 engine. */
export interface VaultKv2Writer {
  /** `path` is the full KV v2 data path, e.g. `dbsecrets/data/hoop_ro_orders`. */
  writeKv2(path: string, data: Record<string, string>): Promise<void>;
}

/**
 * The service's own store of resources, where a job without a Vault path keeps its credentials and
 * connections: the resources feature's use case, which alone knows how a resource changes.
 */
export type ServiceCredentialsStore = Pick<ResourceService, 'upsertServiceConnections'>;

/** Keeps a new password where users will find it, before the database is told about it. */
export type JobRoleCredentialsWriter = (target: JobTarget, jobRole: JobRole, credentials: { password: string; database: string }) => Promise<void>;

/** What subscribers of a job with `send-webhook` receive. */
export interface JobFinishedEvent {
  event_type: typeof JOB_FINISHED;
  event_payload: DbRoleJob | undefined;
}

/** Publishes the service's events (EventBridge in AWS, the local bus locally). */
export interface JobEventPublisher {
  publish(event: JobFinishedEvent): Promise<void>;
}
