import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { newTimeOrderedId } from '../../../functions/core/ids';
import { CLUSTER_OWNED_MESSAGE, credentialsInfoOf, JOB_ROLES, type JobRecord, type JobRoleResult } from '../../../functions/core/dbroles/model';
import type { JobStore } from '../../../functions/core/dbroles/ports';

const NOW = '2030-01-01T00:00:00.000Z';
const LATER = '2030-01-01T00:15:00.000Z';
const AFTER_LEASE = '2030-01-01T00:16:00.000Z';

/** A running job of an org on a cluster, as JobService records it. */
export function runningJob(orgId: string, clusterArn: string, id = newTimeOrderedId()): JobRecord {
  const target = {
    org_id: orgId,
    job_id: id,
    cluster_arn: clusterArn,
    cluster_id: clusterArn.split(':').at(-1) ?? 'cluster',
    secret_arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:master',
    host: 'cluster.example',
    port: 5432,
    engine: 'aurora-postgresql',
    vault_secret_id: null,
    connection_prefix_name: 'app-',
    create_connections: false,
    send_webhook: false,
  };
  return {
    job: {
      id,
      org_id: orgId,
      created_at: NOW,
      completed_at: null,
      spec: { account_arn: 'arn:aws:iam::123456789012:role/db-access', db_arn: clusterArn, db_engine: 'aurora-postgresql', db_name: 'app', db_tags: [] },
      status: {
        phase: 'running',
        message: '',
        result: JOB_ROLES.map((jobRole) => ({ user_role: jobRole, status: 'running', message: '', completed_at: null, credentials_info: credentialsInfoOf(target, jobRole) })),
      },
    },
    target,
    deadline: LATER,
  };
}

const completed = (record: JobRecord, index: number): JobRoleResult => ({ ...(record.job.status.result[index] as JobRoleResult), status: 'completed', completed_at: NOW });

/**
 * What every job store must do, whatever keeps the jobs: run on the DynamoDB store against DynamoDB
 * Local (test/adapters) and on the in-memory store the unit tests use (test/unit), so the two cannot
 * drift apart. Each test makes its own org and cluster ids: the table is shared.
 */
export function jobStoreContract(store: () => JobStore): void {
  const fresh = () => ({ org: `org-${randomUUID()}`, other: `org-${randomUUID()}`, cluster: `arn:aws:rds:eu-west-1:123456789012:cluster:c-${randomUUID()}` });
  const lease = (clusterArn: string, change: { now?: string; takeOverFrom?: string } = {}) => ({ clusterArn, until: LATER, now: NOW, ...change });

  it('records a job with the lock of its cluster, which a second job then cannot take', async () => {
    // Prepare
    const { org, cluster } = fresh();
    const first = runningJob(org, cluster);
    const second = runningJob(org, cluster);

    // Act
    const firstLocked = await store().createWithLock(first, lease(cluster));
    const secondLocked = await store().createWithLock(second, lease(cluster));

    // Assess
    expect([firstLocked, secondLocked]).toEqual([true, false]);
    expect(await store().get(org, first.job.id)).toEqual(first);
    expect(await store().get(org, second.job.id)).toBeUndefined();
    expect(await store().lockHolder(cluster)).toEqual({ job_id: first.job.id, org_id: org, locked_at: NOW });
  });

  it('lets a job take a lock whose lease ran out, or the one it takes over from its holder, and no other', async () => {
    // Prepare
    const { org, cluster } = fresh();
    const holder = runningJob(org, cluster);
    await store().createWithLock(holder, lease(cluster));

    // Act
    const fromAnother = await store().createWithLock(runningJob(org, cluster), lease(cluster, { takeOverFrom: newTimeOrderedId() }));
    const takeOver = runningJob(org, cluster);
    const fromHolder = await store().createWithLock(takeOver, lease(cluster, { takeOverFrom: holder.job.id }));
    const expired = runningJob(org, cluster);
    const afterLease = await store().createWithLock(expired, lease(cluster, { now: AFTER_LEASE }));

    // Assess
    expect([fromAnother, fromHolder, afterLease]).toEqual([false, true, true]);
    expect((await store().lockHolder(cluster))?.job_id).toBe(expired.job.id);
  });

  it('refuses the cluster of another org with a ConflictError, recording nothing, locked or not', async () => {
    // Prepare
    const { org, other, cluster } = fresh();
    const owner = runningJob(org, cluster);
    await store().createWithLock(owner, lease(cluster));
    await store().releaseLock(cluster, owner.job.id);
    const intruder = runningJob(other, cluster);
    const ended = runningJob(other, cluster);

    // Act
    const locking = await store().createWithLock(intruder, lease(cluster)).catch((error: unknown) => error);
    const recordingEnded = await store().createEnded(ended, cluster).catch((error: unknown) => error);

    // Assess
    expect(locking).toMatchObject({ name: 'ConflictError', message: CLUSTER_OWNED_MESSAGE });
    expect(recordingEnded).toMatchObject({ name: 'ConflictError', message: CLUSTER_OWNED_MESSAGE });
    expect((await store().list(other, { pageSize: 10 })).records).toEqual([]);
    expect(await store().lockHolder(cluster)).toBeUndefined();
  });

  it('releases a lock for its holder only', async () => {
    // Prepare
    const { org, cluster } = fresh();
    const holder = runningJob(org, cluster);
    await store().createWithLock(holder, lease(cluster));

    // Act
    await store().releaseLock(cluster, newTimeOrderedId());
    const afterOther = await store().lockHolder(cluster);
    await store().releaseLock(cluster, holder.job.id);

    // Assess
    expect(afterOther?.job_id).toBe(holder.job.id);
    expect(await store().lockHolder(cluster)).toBeUndefined();
    expect(await store().createWithLock(runningJob(org, cluster), lease(cluster))).toBe(true);
  });

  it('writes job role results and the end only while the job runs', async () => {
    // Prepare
    const { org, cluster } = fresh();
    const record = runningJob(org, cluster);
    await store().createWithLock(record, lease(cluster));

    // Act
    await store().recordJobRoleResult(org, record.job.id, 1, completed(record, 1));
    const finished = await store().finish(org, record.job.id, { phase: 'failed', message: 'ended', completedAt: LATER });
    await store().recordJobRoleResult(org, record.job.id, 0, completed(record, 0));
    const again = await store().finish(org, record.job.id, { phase: 'completed', message: 'again', completedAt: AFTER_LEASE });
    const failedAgain = await store().failUnfinished(org, record.job.id, { message: 'lost', jobRoleMessage: 'lost', completedAt: AFTER_LEASE });
    await store().recordJobRoleResult(org, newTimeOrderedId(), 0, completed(record, 0));

    // Assess
    expect([finished, again, failedAgain]).toEqual([true, false, false]);
    const stored = await store().get(org, record.job.id);
    expect(stored?.job.completed_at).toBe(LATER);
    expect(stored?.job.status).toEqual({ phase: 'failed', message: 'ended', result: [record.job.status.result[0], completed(record, 1), record.job.status.result[2]] });
  });

  it('fails the job roles still running of a job that will not finish, keeping those that ended', async () => {
    // Prepare
    const { org, cluster } = fresh();
    const record = runningJob(org, cluster);
    await store().createWithLock(record, lease(cluster));
    await store().recordJobRoleResult(org, record.job.id, 0, completed(record, 0));
    await store().recordJobRoleResult(org, record.job.id, 1, { ...completed(record, 1), status: 'failed', message: 'its own error' });

    // Act
    const ended = await store().failUnfinished(org, record.job.id, { message: 'job lost', jobRoleMessage: 'workflow timed_out', completedAt: LATER });

    // Assess
    expect(ended).toBe(true);
    const { job } = (await store().get(org, record.job.id)) as JobRecord;
    expect(job.status.phase).toBe('failed');
    expect(job.status.message).toBe('job lost');
    expect(job.status.result.map((result) => [result.status, result.message])).toEqual([
      ['completed', ''],
      ['failed', 'its own error'],
      ['failed', 'workflow timed_out'],
    ]);
  });

  it('lists the jobs of an org newest first, page by page', async () => {
    // Prepare
    const { org, other, cluster } = fresh();
    const ids = [newTimeOrderedId(), newTimeOrderedId(), newTimeOrderedId()];
    for (const id of ids) await store().createEnded(runningJob(org, cluster, id), cluster);
    await store().createEnded(runningJob(other, `${cluster}-other`), `${cluster}-other`);

    // Act
    const first = await store().list(org, { pageSize: 2 });
    const second = await store().list(org, { pageSize: 2, nextToken: first.nextToken ?? undefined });

    // Assess
    expect(first.records.map((record) => record.job.id)).toEqual([ids[2], ids[1]]);
    expect(second.records.map((record) => record.job.id)).toEqual([ids[0]]);
    expect(second.nextToken).toBeNull();
  });

  it('claims an event id once per org', async () => {
    // Prepare
    const { org, other } = fresh();
    const eventId = randomUUID();

    // Act
    const claims = [await store().claimEvent(org, eventId), await store().claimEvent(org, eventId), await store().claimEvent(other, eventId)];

    // Assess
    expect(claims).toEqual([true, false, true]);
  });
}
