import type { JobEngine } from '../../../functions/core/dbroles/engine';
import { ConflictError, NotFoundError } from '../../../functions/core/errors';
import type { Log, LogFields } from '../../../functions/core/log';
import { CLUSTER_OWNED_MESSAGE, failRunning, type JobRecord, type JobRole, type JobRoleResult, type JobTarget } from '../../../functions/core/dbroles/model';
import type {
  ClusterDescription,
  ClusterLease,
  DatabaseDescriber,
  ExecutionState,
  IdentityReader,
  JobEnd,
  JobEventPublisher,
  JobFinishedEvent,
  JobRoleCredentialsWriter,
  JobStore,
  JobWorkflow,
  LockHolder,
} from '../../../functions/core/dbroles/ports';

interface Lock {
  job_id?: string;
  org_id: string;
  locked_at: string;
  lease_until: string;
}

const PAST = '1970-01-01T00:00:00.000Z';

/**
 * The job store in memory, with the DynamoDB store's conditions (the same contract test runs on both,
 * test/support/contracts/job-store.ts): a new job is written with its cluster's owner and lock all or
 * nothing, the owner is the first org, the lock is taken when free, when its lease ran out or from
 * the holder named, and released only by its holder; results and ends land only while a job runs;
 * an event id is claimed once. What it answers is a copy, as a read of a table is.
 */
export class MemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly owners = new Map<string, string>();
  private readonly locks = new Map<string, Lock>();
  private readonly events = new Set<string>();

  async createWithLock(record: JobRecord, lease: ClusterLease): Promise<boolean> {
    const lock = this.locks.get(lease.clusterArn);
    const lockFree = lease.takeOverFrom ? lock?.job_id === lease.takeOverFrom : lock?.job_id === undefined || lock.lease_until < lease.now;
    if (!this.putJob(record, lease.clusterArn, lockFree)) return false;
    if (!this.owners.has(lease.clusterArn)) this.owners.set(lease.clusterArn, record.job.org_id);
    this.locks.set(lease.clusterArn, { job_id: record.job.id, org_id: record.job.org_id, locked_at: lease.now, lease_until: lease.until });
    return true;
  }

  async createEnded(record: JobRecord, clusterArn: string): Promise<void> {
    this.putJob(record, clusterArn, true);
  }

  /** The conditions of the transaction, in the order the DynamoDB store reads its cancellation reasons. */
  private putJob(record: JobRecord, clusterArn: string, lockFree: boolean): boolean {
    const owner = this.owners.get(clusterArn);
    if (owner !== undefined && owner !== record.job.org_id) throw new ConflictError(CLUSTER_OWNED_MESSAGE);
    if (!lockFree) return false;
    const key = jobKey(record.job.org_id, record.job.id);
    if (this.jobs.has(key)) throw new Error(`job ${record.job.id} exists (transaction cancelled)`);
    this.jobs.set(key, structuredClone(record));
    return true;
  }

  async lockHolder(clusterArn: string): Promise<LockHolder | undefined> {
    const lock = this.locks.get(clusterArn);
    return lock?.job_id === undefined ? undefined : { job_id: lock.job_id, org_id: lock.org_id, locked_at: lock.locked_at };
  }

  async releaseLock(clusterArn: string, jobId: string): Promise<void> {
    const lock = this.locks.get(clusterArn);
    if (lock?.job_id === jobId) this.locks.set(clusterArn, { org_id: lock.org_id, locked_at: lock.locked_at, lease_until: PAST });
  }

  async get(orgId: string, jobId: string): Promise<JobRecord | undefined> {
    const record = this.jobs.get(jobKey(orgId, jobId));
    return record && structuredClone(record);
  }

  /** Newest first, as the table's sort keys (time-ordered ids) read backwards; the token is the last id of the page. */
  async list(orgId: string, page: { pageSize: number; nextToken?: string }): Promise<{ records: JobRecord[]; nextToken: string | null }> {
    const all = [...this.jobs.values()].filter((record) => record.job.org_id === orgId).sort((a, b) => (a.job.id < b.job.id ? 1 : -1));
    const after = page.nextToken === undefined ? all : all.filter((record) => record.job.id < (page.nextToken ?? ''));
    const records = after.slice(0, page.pageSize).map((record) => structuredClone(record));
    return { records, nextToken: after.length > page.pageSize ? (records.at(-1)?.job.id ?? null) : null };
  }

  async recordJobRoleResult(orgId: string, jobId: string, index: number, result: JobRoleResult): Promise<void> {
    const record = this.running(orgId, jobId);
    if (record) record.job.status.result[index] = structuredClone(result);
  }

  async finish(orgId: string, jobId: string, end: JobEnd): Promise<boolean> {
    const record = this.running(orgId, jobId);
    if (!record) return false;
    record.job.status = { phase: end.phase, message: end.message, result: structuredClone(end.result ?? record.job.status.result) };
    record.job.completed_at = end.completedAt;
    return true;
  }

  async failUnfinished(orgId: string, jobId: string, end: { message: string; jobRoleMessage: string; completedAt: string }): Promise<boolean> {
    const record = this.running(orgId, jobId);
    if (!record) return false;
    return this.finish(orgId, jobId, { phase: 'failed', message: end.message, completedAt: end.completedAt, result: failRunning(record.job.status.result, end.jobRoleMessage, end.completedAt) });
  }

  async claimEvent(orgId: string, eventId: string): Promise<boolean> {
    const key = `${orgId}/${eventId}`;
    if (this.events.has(key)) return false;
    this.events.add(key);
    return true;
  }

  /** A test's way to put a lock as a job of another run would have left it. */
  putLock(clusterArn: string, lock: Lock): void {
    this.locks.set(clusterArn, lock);
  }

  private running(orgId: string, jobId: string): JobRecord | undefined {
    const record = this.jobs.get(jobKey(orgId, jobId));
    return record?.job.status.phase === 'running' ? record : undefined;
  }
}

const jobKey = (orgId: string, jobId: string) => `${orgId}/${jobId}`;

/** An Aurora PostgreSQL cluster the service can provision, as RDS would describe it. */
export function auroraCluster(id: string, change: Partial<ClusterDescription> = {}): ClusterDescription {
  return {
    arn: `arn:aws:rds:eu-west-1:123456789012:cluster:${id}`,
    id,
    engine: 'aurora-postgresql',
    databaseName: 'app',
    endpoint: `${id}.cluster-abc.eu-west-1.rds.amazonaws.com`,
    port: 5432,
    tags: [{ key: 'env', value: 'test' }],
    masterSecretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-${id}`,
    httpEndpointEnabled: true,
    ...change,
  };
}

/** Describes the clusters it was given, by ARN; counts what it was asked. */
export class MemoryDescriber implements DatabaseDescriber, IdentityReader {
  readonly asked: string[] = [];

  constructor(private readonly clusters: ClusterDescription[]) {}

  async describe(arn: string): Promise<ClusterDescription> {
    this.asked.push(arn);
    const cluster = this.clusters.find((candidate) => candidate.arn === arn);
    if (!cluster) throw new NotFoundError(`database ${arn} not found`);
    return structuredClone(cluster);
  }

  async accountArn(): Promise<string> {
    return 'arn:aws:iam::123456789012:role/db-access';
  }
}

/** Records the executions it starts; each answers the state it is set to (`not-found` until then). */
export class MemoryWorkflow implements JobWorkflow {
  readonly started: JobTarget[] = [];
  readonly states = new Map<string, ExecutionState | Error>();
  /** Set, `start` throws it. */
  failure: Error | undefined;

  async start(target: JobTarget): Promise<void> {
    if (this.failure) throw this.failure;
    this.started.push(structuredClone(target));
    this.states.set(target.job_id, 'running');
  }

  async executionState(jobId: string): Promise<ExecutionState> {
    const state = this.states.get(jobId) ?? 'not-found';
    if (state instanceof Error) throw state;
    return state;
  }
}

export class MemoryEvents implements JobEventPublisher {
  readonly published: JobFinishedEvent[] = [];

  async publish(event: JobFinishedEvent): Promise<void> {
    this.published.push(structuredClone(event));
  }
}

/** Records what each level was told. */
export function recordingLog(): Log & { entries: { level: string; message: string; fields?: LogFields }[] } {
  const entries: { level: string; message: string; fields?: LogFields }[] = [];
  const record = (level: string) => (message: string, fields?: LogFields) => {
    entries.push({ level, message, fields });
  };
  return { entries, info: record('info'), warn: record('warn'), error: record('error') };
}

/** Keeps nothing; records which job role's credentials were written, for which database. */
export function recordingCredentials(): JobRoleCredentialsWriter & { written: { jobRole: JobRole; database: string }[] } {
  const written: { jobRole: JobRole; database: string }[] = [];
  const writer = async (_target: JobTarget, jobRole: JobRole, credentials: { password: string; database: string }) => {
    written.push({ jobRole, database: credentials.database });
  };
  return Object.assign(writer, { written });
}

/** What a memory engine was asked to do, in order. */
export type EngineCall = ['listTargets'] | ['inspect', string] | ['login', JobRole] | ['grant', string, readonly JobRole[]];

/**
 * An engine whose cluster has the given databases, for tests about a job's outcome, not its SQL (SQL
 * runs on real PostgreSQL in test/workflow): it records each call and succeeds, unless `failWith`
 * is given for that method, which it then throws.
 */
export function memoryEngine(options: { databases?: string[]; failWith?: Partial<Record<'listTargets' | 'inspect' | 'login' | 'grant', Error>> } = {}): JobEngine & { calls: EngineCall[] } {
  const databases = options.databases ?? ['postgres'];
  const calls: EngineCall[] = [];
  const fail = (method: keyof NonNullable<typeof options.failWith>) => {
    const error = options.failWith?.[method];
    if (error) throw error;
  };
  return {
    calls,
    listTargets: async () => {
      calls.push(['listTargets']);
      fail('listTargets');
      return databases;
    },
    inspect: async (database) => {
      calls.push(['inspect', database]);
      fail('inspect');
    },
    login: async (jobRole) => {
      calls.push(['login', jobRole]);
      fail('login');
    },
    grant: async (database, jobRoles) => {
      calls.push(['grant', database, jobRoles]);
      fail('grant');
      return { statements: jobRoles.length };
    },
    credentialsDatabase: (targets) => targets[0] ?? 'postgres',
  };
}
