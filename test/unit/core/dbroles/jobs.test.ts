import { describe, expect, it } from 'vitest';
import { JobService } from '../../../../functions/core/dbroles/jobs';
import { type CreateJobRequest, lockHeldMessage, PHASE_MESSAGES, takenOverMessage } from '../../../../functions/core/dbroles/model';
import { DeadlineExceededError, OutcomeUnknownError } from '../../../../functions/core/errors';
import { auroraCluster, MemoryDescriber, MemoryJobStore, MemoryWorkflow, recordingLog } from '../../../support/memory/dbroles';

const ORG = 'org-a';
const OTHER_ORG = 'org-b';
const orders = auroraCluster('orders');
const START = new Date('2030-01-01T00:00:00.000Z');
const EXECUTION_TIMEOUT_SECONDS = 900;

/** JobService over in-memory ports, on a clock the test moves. */
function jobService(options: { vaultConfigured?: boolean } = {}) {
  const store = new MemoryJobStore();
  const describer = new MemoryDescriber([orders, auroraCluster('unmanaged', { masterSecretArn: null })]);
  const workflow = new MemoryWorkflow();
  const clock = { now: START };
  const service = new JobService({
    describer,
    identity: describer,
    store,
    workflow,
    executionTimeoutSeconds: EXECUTION_TIMEOUT_SECONDS,
    vaultConfigured: options.vaultConfigured ?? false,
    log: recordingLog(),
    now: () => clock.now,
  });
  return { service, store, describer, workflow, clock };
}

const request = (change: Partial<CreateJobRequest> = {}): CreateJobRequest => ({ aws: { instance_arn: orders.arn }, connection_prefix_name: 'orders-', job_steps: [], ...change });
const seconds = (count: number) => new Date(START.getTime() + count * 1000);

describe('JobService.createJob', () => {
  it('describes the cluster, records a running job holding its lock and starts its workflow with names and references only', async () => {
    // Prepare
    const { service, store, describer, workflow } = jobService({ vaultConfigured: true });

    // Act
    const { job_id } = await service.createJob(ORG, request({ job_steps: ['create-connections'], vault_provider: { secret_id: 'dbsecrets/data/' } }));

    // Assess
    expect(describer.asked).toEqual([orders.arn]);
    const record = await store.get(ORG, job_id);
    expect(record?.job).toMatchObject({
      id: job_id,
      org_id: ORG,
      created_at: START.toISOString(),
      completed_at: null,
      spec: { account_arn: 'arn:aws:iam::123456789012:role/db-access', db_arn: orders.arn, db_engine: 'aurora-postgresql', db_name: 'app', db_tags: orders.tags },
      status: { phase: 'running', message: '' },
    });
    expect(record?.job.status.result.map((result) => [result.user_role, result.status, result.credentials_info.secret_id])).toEqual([
      ['hoop_ro', 'running', 'dbsecrets/data/hoop_ro_orders'],
      ['hoop_rw', 'running', 'dbsecrets/data/hoop_rw_orders'],
      ['hoop_ddl', 'running', 'dbsecrets/data/hoop_ddl_orders'],
    ]);
    expect(record?.deadline).toBe(seconds(EXECUTION_TIMEOUT_SECONDS + 60).toISOString());
    expect(workflow.started).toEqual([
      {
        org_id: ORG,
        job_id,
        cluster_arn: orders.arn,
        cluster_id: 'orders',
        secret_arn: orders.masterSecretArn,
        host: orders.endpoint,
        port: 5432,
        engine: 'aurora-postgresql',
        vault_secret_id: 'dbsecrets/data/',
        connection_prefix_name: 'orders-',
        create_connections: true,
        send_webhook: false,
      },
    ]);
    expect(await store.lockHolder(orders.arn)).toEqual({ job_id, org_id: ORG, locked_at: START.toISOString() });
  });

  it('refuses a cluster of another org with a ConflictError, recording and starting nothing', async () => {
    // Prepare
    const { service, store, workflow } = jobService();
    const owners = await service.createJob(ORG, request());

    // Act
    const intruding = service.createJob(OTHER_ORG, request());

    // Assess
    await expect(intruding).rejects.toMatchObject({ name: 'ConflictError', message: 'cluster is managed by another organization' });
    expect((await store.list(OTHER_ORG, { pageSize: 10 })).records).toEqual([]);
    expect(workflow.started.map((target) => target.job_id)).toEqual([owners.job_id]);
    expect((await store.lockHolder(orders.arn))?.job_id).toBe(owners.job_id);
  });

  it('ends a job at once, failed and without running anything, when the cluster is locked by a live job', async () => {
    // Prepare
    const { service, store, workflow, clock } = jobService();
    const running = await service.createJob(ORG, request());
    clock.now = seconds(30);

    // Act
    const { job_id } = await service.createJob(ORG, request());

    // Assess
    const refused = await store.get(ORG, job_id);
    const message = lockHeldMessage(orders.arn);
    expect(refused?.job.status.phase).toBe('failed');
    expect(refused?.job.status.message).toBe(message);
    expect(refused?.job.completed_at).toBe(seconds(30).toISOString());
    expect(refused?.job.status.result.map((result) => [result.status, result.message])).toEqual(Array(3).fill(['failed', message]));
    expect(workflow.started.map((target) => target.job_id)).toEqual([running.job_id]);
    expect((await store.lockHolder(orders.arn))?.job_id).toBe(running.job_id);
  });

  it.each([
    [new Error('StartExecution refused'), 'the provisioning workflow could not be started'],
    [new DeadlineExceededError(), 'the provisioning workflow could not be started in time'],
  ])('fails the job and releases the lock when its workflow cannot start (%s)', async (failure, message) => {
    // Prepare
    const { service, store, workflow } = jobService();
    workflow.failure = failure;

    // Act
    const { job_id } = await service.createJob(ORG, request());

    // Assess
    const job = (await store.get(ORG, job_id))?.job;
    expect(job?.status.phase).toBe('failed');
    expect(job?.status.message).toBe(message);
    expect(job?.completed_at).toBe(START.toISOString());
    expect(await store.lockHolder(orders.arn)).toBeUndefined();
  });

  it('leaves the job running and its lock held when starting the workflow may or may not have happened', async () => {
    // Prepare
    const { service, store, workflow } = jobService();
    workflow.failure = new OutcomeUnknownError();

    // Act
    const creating = service.createJob(ORG, request());

    // Assess
    await expect(creating).rejects.toThrow(OutcomeUnknownError);
    const [record] = (await store.list(ORG, { pageSize: 10 })).records;
    expect(record?.job.status.phase).toBe('running');
    expect((await store.lockHolder(orders.arn))?.job_id).toBe(record?.job.id);
  });

  it('takes the lock over from a job whose execution ended, and fails that job', async () => {
    // Prepare
    const { service, store, workflow, clock } = jobService();
    const dead = await service.createJob(ORG, request());
    workflow.states.set(dead.job_id, 'ended');
    clock.now = seconds(60);

    // Act
    const { job_id } = await service.createJob(ORG, request());

    // Assess
    expect((await store.lockHolder(orders.arn))?.job_id).toBe(job_id);
    expect(workflow.started.map((target) => target.job_id)).toEqual([dead.job_id, job_id]);
    expect((await store.get(ORG, job_id))?.job.status.phase).toBe('running');
    const deadJob = (await store.get(ORG, dead.job_id))?.job;
    expect(deadJob?.status.phase).toBe('failed');
    expect(deadJob?.status.message).toBe(`${PHASE_MESSAGES.failed}: ${takenOverMessage(job_id)}`);
    expect(deadJob?.status.result.map((result) => result.message)).toEqual(Array(3).fill(takenOverMessage(job_id)));
  });

  it.each([
    ['no execution, within the grace a job has to start it', 'not-found' as const, 119, false],
    ['no execution, past that grace', 'not-found' as const, 121, true],
    ['an execution whose state cannot be read', new Error('throttled'), 600, false],
  ])('takes over from a holder with %s: %s', async (_case, state, after, takenOver) => {
    // Prepare
    const { service, store, workflow, clock } = jobService();
    const holder = await service.createJob(ORG, request());
    workflow.states.set(holder.job_id, state);
    clock.now = seconds(after);

    // Act
    const { job_id } = await service.createJob(ORG, request());

    // Assess
    expect((await store.lockHolder(orders.arn))?.job_id).toBe(takenOver ? job_id : holder.job_id);
    expect((await store.get(ORG, job_id))?.job.status.phase).toBe(takenOver ? 'running' : 'failed');
  });

  it.each([
    ['a cluster the service cannot provision', request({ aws: { instance_arn: auroraCluster('unmanaged').arn } }), 'UnprocessableError'],
    ['a Vault path where no Vault is configured', request({ vault_provider: { secret_id: 'dbsecrets/data/' } }), 'UnprocessableError'],
    ['a database RDS does not know', request({ aws: { instance_arn: auroraCluster('nope').arn } }), 'NotFoundError'],
  ])('refuses %s, recording and locking nothing', async (_case, refused, name) => {
    // Prepare
    const { service, store, workflow } = jobService();

    // Act
    const creating = service.createJob(ORG, refused);

    // Assess
    await expect(creating).rejects.toMatchObject({ name });
    expect((await store.list(ORG, { pageSize: 10 })).records).toEqual([]);
    expect(await store.lockHolder(orders.arn)).toBeUndefined();
    expect(workflow.started).toEqual([]);
  });
});

describe('JobService.getJob and listJobs', () => {
  it('shows a job still running past its deadline as failed, and a job of another org as not found', async () => {
    // Prepare
    const { service, clock } = jobService();
    const { job_id } = await service.createJob(ORG, request());
    clock.now = seconds(EXECUTION_TIMEOUT_SECONDS + 61);

    // Act
    const lost = await service.getJob(ORG, job_id);
    const elsewhere = service.getJob(OTHER_ORG, job_id);

    // Assess
    expect(lost.status.phase).toBe('failed');
    expect(lost.completed_at).toBe(seconds(EXECUTION_TIMEOUT_SECONDS + 60).toISOString());
    expect(lost.status.result.every((result) => result.status === 'failed')).toBe(true);
    await expect(elsewhere).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('lists the jobs of the org newest first, a page at a time', async () => {
    // Prepare
    const { service } = jobService();
    const first = await service.createJob(ORG, request());
    const second = await service.createJob(ORG, request());

    // Act
    const page = await service.listJobs(ORG, { pageSize: 1 });
    const next = await service.listJobs(ORG, { pageSize: 1, nextToken: page.next_token ?? undefined });

    // Assess
    expect(page.items.map((job) => job.id)).toEqual([second.job_id]);
    expect(next.items.map((job) => job.id)).toEqual([first.job_id]);
    expect(next.next_token).toBeNull();
  });
});
