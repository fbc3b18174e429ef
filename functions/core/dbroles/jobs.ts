import { cleanUp } from '../deadline';
import { DeadlineExceededError, NotFoundError, OutcomeUnknownError, UnprocessableError } from '../errors';
import { newTimeOrderedId } from '../ids';
import type { Log } from '../log';
import { checkProvisionable } from './cluster';
import { type CreateJobRequest, credentialsInfoOf, type DbRoleJob, JOB_ROLES, type JobRecord, type JobTarget, lockHeldMessage, PHASE_MESSAGES, takenOverMessage } from './model';
import type { ClusterLease, DatabaseDescriber, IdentityReader, JobStore, JobWorkflow, LockHolder } from './ports';

export interface JobServiceDependencies {
  describer: DatabaseDescriber;
  identity: IdentityReader;
  store: JobStore;
  workflow: JobWorkflow;
  /** The workflow's execution timeout: a job still running after it (plus a margin) has been lost. */
  executionTimeoutSeconds: number;
  vaultConfigured: boolean;
  log: Log;
  now?: () => Date;
}

const LOST_MESSAGE = 'the job did not finish in time (its workflow timed out or failed)';

/**
 * How long a lock whose holder has no execution is left alone: longer than a function that creates
 * jobs may run (29 s, 60 s), so a job between taking its lock and starting its execution is never
 * taken for dead.
 */
const START_GRACE_MS = 120_000;

/** Starting, reading and listing DB role jobs. The work itself is the workflow's. */
export class JobService {
  private readonly now: () => Date;

  constructor(private readonly deps: JobServiceDependencies) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Describes the database, records the job, claims the cluster for the org and takes the cluster's
   * lock in one transaction, then starts the workflow. A cluster of another org is a ConflictError and nothing
   * is recorded; a cluster already being provisioned gives a job that ends `failed` at once and
   * touches nothing.
   */
  async createJob(orgId: string, request: CreateJobRequest): Promise<{ job_id: string }> {
    if (request.vault_provider && !this.deps.vaultConfigured) throw new UnprocessableError('vault_provider was given but no Vault is configured for this deployment (VAULT_ADDR)');
    const cluster = checkProvisionable(await this.deps.describer.describe(request.aws.instance_arn));
    const id = newTimeOrderedId();
    const now = this.now();
    const target: JobTarget = {
      org_id: orgId,
      job_id: id,
      cluster_arn: cluster.arn,
      cluster_id: cluster.id,
      secret_arn: cluster.masterSecretArn ?? '',
      host: cluster.endpoint,
      port: cluster.port,
      engine: cluster.engine,
      vault_secret_id: request.vault_provider?.secret_id ?? null,
      connection_prefix_name: request.connection_prefix_name,
      create_connections: request.job_steps.includes('create-connections'),
      send_webhook: request.job_steps.includes('send-webhook'),
    };
    const job: DbRoleJob = {
      id,
      org_id: orgId,
      created_at: now.toISOString(),
      completed_at: null,
      spec: { account_arn: await this.deps.identity.accountArn(), db_arn: cluster.arn, db_engine: cluster.engine, db_name: cluster.databaseName, db_tags: cluster.tags },
      status: {
        phase: 'running',
        message: '',
        result: JOB_ROLES.map((jobRole) => ({ user_role: jobRole, status: 'running', message: '', completed_at: null, credentials_info: credentialsInfoOf(target, jobRole) })),
      },
    };
    const deadline = new Date(now.getTime() + (this.deps.executionTimeoutSeconds + 60) * 1000).toISOString();
    const record: JobRecord = { job, target, deadline };

    const locked = await this.lockCluster(record, { clusterArn: cluster.arn, until: deadline, now: now.toISOString() }).catch((error: unknown) => {
      if (!(error instanceof OutcomeUnknownError)) throw error;
      throw new OutcomeUnknownError(`the service ran out of time while recording job ${id}: GET /api/dbroles/jobs/${id} tells whether it was (404: it was not, and nothing runs)`);
    });
    if (!locked) {
      const message = lockHeldMessage(cluster.arn);
      const completedAt = now.toISOString();
      job.completed_at = completedAt;
      job.status = { phase: 'failed', message, result: job.status.result.map((result) => ({ ...result, status: 'failed', message, completed_at: completedAt })) };
      await this.deps.store.createEnded(record, cluster.arn);
      this.deps.log.info('job refused: database locked', { job_id: id, db_arn: cluster.arn });
      return { job_id: id };
    }
    try {
      await this.deps.workflow.start(target);
    } catch (error) {
      // The execution may exist: the job stays as it is (a job whose workflow never started is shown
      // failed after its deadline, and its lock is taken over by the next job).
      if (error instanceof OutcomeUnknownError) {
        throw new OutcomeUnknownError(`job ${id} was recorded, but the service ran out of time while starting its workflow, which may or may not run: GET /api/dbroles/jobs/${id} to follow it`);
      }
      this.deps.log.error('workflow could not be started', { job_id: id, error: error as Error });
      await cleanUp(async () => {
        const message = error instanceof DeadlineExceededError ? 'the provisioning workflow could not be started in time' : 'the provisioning workflow could not be started';
        await this.deps.store.finish(orgId, id, { phase: 'failed', message, completedAt: this.now().toISOString() });
        await this.deps.store.releaseLock(cluster.arn, id);
      });
    }
    this.deps.log.info('job started', { job_id: id, db_arn: cluster.arn });
    return { job_id: id };
  }

  /**
   * Takes the cluster's lock for a new job. A lock whose holder's execution is dead is taken over at
   * once, from that holder only, and the dead job, if still running, ends failed.
   */
  private async lockCluster(record: JobRecord, lease: ClusterLease): Promise<boolean> {
    if (await this.deps.store.createWithLock(record, lease)) return true;
    const holder = await this.deps.store.lockHolder(lease.clusterArn);
    if (!holder || !(await this.isDead(holder, lease.now))) return false;
    if (!(await this.deps.store.createWithLock(record, { ...lease, takeOverFrom: holder.job_id }))) return false;
    this.deps.log.warn('lock taken over from a dead job', { job_id: record.job.id, dead_job_id: holder.job_id, db_arn: lease.clusterArn });
    const message = takenOverMessage(record.job.id);
    await this.deps.store
      .failUnfinished(holder.org_id, holder.job_id, { message: `${PHASE_MESSAGES.failed}: ${message}`, jobRoleMessage: message, completedAt: this.now().toISOString() })
      // The new job goes on: the dead one is shown failed anyway once past its deadline.
      .catch((error: unknown) => this.deps.log.error('the dead job could not be ended', { dead_job_id: holder.job_id, error: error as Error }));
    return true;
  }

  /** An ended execution is dead; a missing one only once the holder has had time to start it. */
  private async isDead(holder: LockHolder, now: string): Promise<boolean> {
    try {
      const state = await this.deps.workflow.executionState(holder.job_id);
      if (state === 'not-found') return Date.parse(now) - Date.parse(holder.locked_at) > START_GRACE_MS;
      return state === 'ended';
    } catch (error) {
      // Not knowing is not dead: waiting for the lease is safe, taking over a live job is not.
      this.deps.log.warn('could not tell whether the lock holder runs', { dead_job_id: holder.job_id, error: error as Error });
      return false;
    }
  }

  async getJob(orgId: string, id: string): Promise<DbRoleJob> {
    const record = await this.deps.store.get(orgId, id);
    if (!record) throw new NotFoundError('job not found');
    return this.present(record);
  }

  async listJobs(orgId: string, page: { pageSize: number; nextToken?: string }): Promise<{ items: DbRoleJob[]; next_token: string | null }> {
    const { records, nextToken } = await this.deps.store.list(orgId, page);
    return { items: records.map((record) => this.present(record)), next_token: nextToken };
  }

  /** A job still running past its deadline was lost: it is shown failed, whatever its record says. */
  private present(record: JobRecord): DbRoleJob {
    const job = inSeedOrder(record.job);
    if (job.status.phase !== 'running' || Date.parse(record.deadline) > this.now().getTime()) return job;
    return {
      ...job,
      completed_at: record.deadline,
      status: {
        phase: 'failed',
        message: `${PHASE_MESSAGES.failed}: ${LOST_MESSAGE}`,
        result: job.status.result.map((result) => (result.status === 'running' ? { ...result, status: 'failed', message: LOST_MESSAGE } : result)),
      },
    };
  }
}

/** The fields in the order of seed 002, whatever order the store kept them in. */
function inSeedOrder(job: DbRoleJob): DbRoleJob {
  const { spec, status } = job;
  return {
    id: job.id,
    org_id: job.org_id,
    created_at: job.created_at,
    completed_at: job.completed_at,
    spec: { account_arn: spec.account_arn, db_arn: spec.db_arn, db_engine: spec.db_engine, db_name: spec.db_name, db_tags: spec.db_tags.map(({ key, value }) => ({ key, value })) },
    status: {
      phase: status.phase,
      message: status.message,
      result: status.result.map((result) => ({
        user_role: result.user_role,
        status: result.status,
        message: result.message,
        completed_at: result.completed_at,
        credentials_info: {
          secrets_manager_provider: result.credentials_info.secrets_manager_provider,
          secret_id: result.credentials_info.secret_id,
          secret_keys: result.credentials_info.secret_keys,
        },
      })),
    },
  };
}
