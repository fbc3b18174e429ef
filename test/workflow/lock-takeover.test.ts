import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { TABLE_NAME } from '../../infra/local/stack';
import { apiAs, itemsOfOrg, newOrg } from '../support/api';
import { type LocalCluster, newLocalCluster } from '../support/clusters';
import { type Api, executions, type Job, startJob, waitForJob } from './jobs';

const minutes = (count: number) => new Date(Date.now() + count * 60_000).toISOString();

describe('a cluster locked by a job whose workflow is dead', () => {
  const org = newOrg('takeover');
  let admin: Api;
  let cluster: LocalCluster;
  let table: DynamoDBDocumentClient;

  const jobOn = () => ({ aws: { instance_arn: cluster.cluster_arn }, connection_prefix_name: 'takeover-' });
  const lockKey = () => ({ pk: `CLUSTER#${cluster.cluster_arn}`, sk: 'LOCK' });
  /** A lock as a job that took it `lockedAgo` minutes ago would have left it, with most of its lease to go. */
  const holdLock = (jobId: string, lockedAgo: number) =>
    table.send(new PutCommand({ TableName: TABLE_NAME, Item: { ...lockKey(), entity: 'lock', job_id: jobId, org_id: org, locked_at: minutes(-lockedAgo), lease_until: minutes(10) } }));

  beforeAll(async () => {
    const stack = inject('stack');
    table = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
    cluster = await newLocalCluster('takeover');
    admin = await apiAs({ org, groups: ['admin'] });
  });

  it('takes over at once from a job whose execution does not exist and whose lock is past the grace period, and fails that job', async () => {
    // Prepare: a running job, as a process that died after taking the lock (and before or while running its workflow) leaves it
    const finished = await waitForJob(admin, await startJob(admin, jobOn()));
    const record = (await itemsOfOrg(org)).find((item) => item.sk === `JOB#${finished.id}`) ?? {};
    const deadId = randomUUID();
    const running: Job['status'] = { phase: 'running', message: '', result: finished.status.result.map((result) => ({ ...result, status: 'running', message: '', completed_at: null })) };
    await table.send(
      new PutCommand({
        TableName: TABLE_NAME,
        Item: { ...record, sk: `JOB#${deadId}`, id: deadId, completed_at: null, status: running, deadline: minutes(15), target: { ...(record.target as object), job_id: deadId } },
      }),
    );
    await holdLock(deadId, 5);

    // Act
    const job = await waitForJob(admin, await startJob(admin, jobOn()));

    // Assess: the new job ran at once, and the dead one is failed with the reason
    expect(job.status.phase).toBe('completed');
    const dead = (await admin('GET', `/dbroles/jobs/${deadId}`)).body as Job;
    expect(dead.status.phase).toBe('failed');
    expect(dead.status.message).toContain(`job ${job.id} took over the cluster's lock`);
    expect(dead.status.result.every((result) => result.status === 'failed' && result.completed_at !== null)).toBe(true);
    expect(dead.completed_at).not.toBeNull();
  });

  it('takes over at once from a job whose execution has ended, however recent its lock', async () => {
    // Prepare: a lock left by a job whose execution exists and has ended
    const ended = await waitForJob(admin, await startJob(admin, jobOn()));
    expect((await executions()).find((execution) => execution.name === ended.id)?.status).toBe('SUCCEEDED');
    await holdLock(ended.id, 0);

    // Act
    const job = await waitForJob(admin, await startJob(admin, jobOn()));

    // Assess: the ended job keeps its own outcome
    expect(job.status.phase).toBe('completed');
    expect(((await admin('GET', `/dbroles/jobs/${ended.id}`)).body as Job).status.phase).toBe('completed');
  });

  it('leaves the lock to a holder that has no execution yet while it is within the grace period', async () => {
    // Prepare: a lock just taken by a job that has not started its execution yet
    const holder = randomUUID();
    await holdLock(holder, 0);

    // Act
    const job = await waitForJob(admin, await startJob(admin, jobOn()));

    // Assess
    expect(job.status).toMatchObject({ phase: 'failed', message: `process already being executed, resource_id=${cluster.cluster_arn}` });
    expect((await executions()).some((execution) => execution.name === job.id)).toBe(false);
    await table.send(new DeleteCommand({ TableName: TABLE_NAME, Key: lockKey() }));
  });
});
