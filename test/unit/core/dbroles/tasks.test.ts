import { describe, expect, it } from 'vitest';
import { executionEndedTask } from '../../../../functions/core/dbroles/execution-ended';
import { JOB_FINISHED, type JobRecord, PHASE_MESSAGES } from '../../../../functions/core/dbroles/model';
import { DataApiTransientError, failureMessage, jobTasks, RoleProvisioningError } from '../../../../functions/core/dbroles/tasks';
import { SqlExecutionError, type SqlPort } from '../../../../functions/core/postgres/sql-port';
import { runningJob } from '../../../support/contracts/job-store';
import { MemoryEvents, MemoryJobStore, oneDatabaseSql, recordingCredentials, recordingLog } from '../../../support/memory/dbroles';

const ORG = 'org-a';
const CLUSTER = 'arn:aws:rds:eu-west-1:123456789012:cluster:orders';
const NOW = new Date('2030-01-01T00:05:00.000Z');

/** The Tasks over in-memory ports, with one running job that holds its cluster's lock. */
async function tasksOf(options: { sql?: SqlPort; sendWebhook?: boolean } = {}) {
  const store = new MemoryJobStore();
  const record = runningJob(ORG, CLUSTER);
  record.target.send_webhook = options.sendWebhook ?? false;
  await store.createWithLock(record, { clusterArn: CLUSTER, until: '2030-01-01T00:15:00.000Z', now: '2030-01-01T00:00:00.000Z' });
  const events = new MemoryEvents();
  const credentials = recordingCredentials();
  const sql = options.sql ?? oneDatabaseSql();
  const log = recordingLog();
  const tasks = jobTasks({ store, sqlFor: () => sql, storeCredentials: credentials, events, log, now: () => NOW });
  const job = record.target;
  const stored = async () => ((await store.get(ORG, job.job_id)) as JobRecord).job;
  return { tasks, store, events, credentials, job, stored, log };
}

/** The error Step Functions catches from a Lambda Task that threw. */
const lambdaError = (name: string, message: string) => ({ Error: name, Cause: JSON.stringify({ errorType: name, errorMessage: message }) });

describe('provisionRole', () => {
  it('stores the credentials, then records the job role completed and nothing else', async () => {
    // Prepare
    const { tasks, credentials, job, stored } = await tasksOf();

    // Act
    const answer = await tasks.provisionRole({ job, user_role: 'hoop_rw' });

    // Assess
    expect(answer).toEqual({ user_role: 'hoop_rw', status: 'completed' });
    expect(credentials.written).toEqual([{ jobRole: 'hoop_rw', database: 'postgres' }]);
    const { status } = await stored();
    expect(status.phase).toBe('running');
    expect(status.result.map((result) => [result.user_role, result.status, result.completed_at])).toEqual([
      ['hoop_ro', 'running', null],
      ['hoop_rw', 'completed', NOW.toISOString()],
      ['hoop_ddl', 'running', null],
    ]);
  });

  it('turns a Data API error that surely did not run into DataApiTransientError, for the workflow to retry', async () => {
    // Prepare
    const { tasks, job, stored } = await tasksOf({ sql: oneDatabaseSql(new SqlExecutionError('the cluster is resuming', undefined, true)) });

    // Act
    const provisioning = tasks.provisionRole({ job, user_role: 'hoop_ro' });

    // Assess
    await expect(provisioning).rejects.toThrow(DataApiTransientError);
    await expect(provisioning).rejects.toThrow('the cluster is resuming');
    expect((await stored()).status.result[0]?.status).toBe('running');
  });

  it.each([
    ['a SQL error that may have run', new SqlExecutionError(`syntax error at or near "PASSWORD 'hunter2'"`, '42601', false)],
    ['any other error', new Error(`could not store SCRAM-SHA-256$4096:c2FsdA==$a2V5:c2VydmVy for PASSWORD 'hunter2'`)],
  ])('turns %s into RoleProvisioningError, its secrets redacted', async (_case, failure) => {
    // Prepare
    const { tasks, job, stored } = await tasksOf({ sql: oneDatabaseSql(failure) });

    // Act
    const provisioning = tasks.provisionRole({ job, user_role: 'hoop_ddl' });

    // Assess
    await expect(provisioning).rejects.toThrow(RoleProvisioningError);
    await expect(provisioning).rejects.toThrow("PASSWORD '[redacted]'");
    await expect(provisioning).rejects.not.toThrow(/hunter2|c2VydmVy/);
    expect((await stored()).status.result[2]?.status).toBe('running');
  });

  it('logs why a job role failed, under a field the logger keeps, secrets redacted', async () => {
    // Prepare
    const { tasks, job, log } = await tasksOf({ sql: oneDatabaseSql(new SqlExecutionError(`permission denied for schema app; PASSWORD 'hunter2'`, '42501', false)) });

    // Act
    await tasks.provisionRole({ job, user_role: 'hoop_rw' }).catch(() => undefined);

    // Assess: Powertools keeps `message` for the entry's own text and drops a field of that name
    const entry = log.entries.find((candidate) => candidate.message === 'role provisioning failed');
    expect(entry?.level).toBe('warn');
    expect(entry?.fields).toMatchObject({ job_id: job.job_id, role: 'hoop_rw', reason: expect.stringContaining('permission denied for schema app') });
    expect(JSON.stringify(entry)).not.toContain('hunter2');
  });
});

describe('recordRoleFailure', () => {
  it("records the job role failed with the Task's error message, secrets redacted", async () => {
    // Prepare
    const { tasks, job, stored } = await tasksOf();

    // Act
    const answer = await tasks.recordRoleFailure({ job, user_role: 'hoop_ro', error: lambdaError('RoleProvisioningError', "role failed: PASSWORD 'hunter2'") });

    // Assess
    expect(answer).toEqual({ user_role: 'hoop_ro', status: 'failed' });
    const [result] = (await stored()).status.result;
    expect(result).toMatchObject({ user_role: 'hoop_ro', status: 'failed', message: "role failed: PASSWORD '[redacted]'", completed_at: NOW.toISOString() });
  });
});

describe('failureMessage', () => {
  it.each([
    ['the errorMessage of a Lambda error', lambdaError('Error', 'boom'), 'boom'],
    ['a Cause that is text', { Error: 'States.Timeout', Cause: 'Task timed out' }, 'Task timed out'],
    ['only an Error name', { Error: 'States.Timeout' }, 'States.Timeout'],
    ['no error at all', undefined, 'unknown error'],
  ])('reads %s', (_case, error, message) => {
    expect(failureMessage(error)).toBe(message);
  });
});

describe('finishJob', () => {
  it('completes a job whose job roles all completed, publishes nothing unless asked, and releases the lock', async () => {
    // Prepare
    const { tasks, store, events, job, stored } = await tasksOf();
    for (const jobRole of ['hoop_ro', 'hoop_rw', 'hoop_ddl'] as const) await tasks.provisionRole({ job, user_role: jobRole });

    // Act
    const answer = await tasks.finishJob({ job });

    // Assess
    expect(answer).toEqual({ phase: 'completed' });
    expect(await stored()).toMatchObject({ completed_at: NOW.toISOString(), status: { phase: 'completed', message: PHASE_MESSAGES.completed } });
    expect(events.published).toEqual([]);
    expect(await store.lockHolder(CLUSTER)).toBeUndefined();
  });

  it('fails a job with a failed job role and publishes the finished job when asked', async () => {
    // Prepare
    const { tasks, events, job, stored } = await tasksOf({ sendWebhook: true });
    await tasks.provisionRole({ job, user_role: 'hoop_ro' });
    await tasks.recordRoleFailure({ job, user_role: 'hoop_rw', error: lambdaError('RoleProvisioningError', 'no') });
    await tasks.provisionRole({ job, user_role: 'hoop_ddl' });

    // Act
    const answer = await tasks.finishJob({ job });

    // Assess
    expect(answer).toEqual({ phase: 'failed' });
    const finished = await stored();
    expect(finished.status.message).toBe(PHASE_MESSAGES.failed);
    expect(events.published).toEqual([{ event_type: JOB_FINISHED, event_payload: finished }]);
  });

  it('fails the job roles left without an outcome when the Map itself failed', async () => {
    // Prepare
    const { tasks, job, stored } = await tasksOf();
    await tasks.provisionRole({ job, user_role: 'hoop_ro' });

    // Act
    await tasks.finishJob({ job, error: { Error: 'States.Timeout', Cause: 'Map timed out' } });

    // Assess
    expect((await stored()).status.result.map((result) => [result.status, result.message])).toEqual([
      ['completed', ''],
      ['failed', 'Map timed out'],
      ['failed', 'Map timed out'],
    ]);
  });

  it('publishes nothing for a job that had already ended, and still releases the lock', async () => {
    // Prepare
    const { tasks, store, events, job, stored } = await tasksOf({ sendWebhook: true });
    await store.finish(ORG, job.job_id, { phase: 'failed', message: 'ended elsewhere', completedAt: NOW.toISOString() });

    // Act
    await tasks.finishJob({ job });

    // Assess
    expect((await stored()).status.message).toBe('ended elsewhere');
    expect(events.published).toEqual([]);
    expect(await store.lockHolder(CLUSTER)).toBeUndefined();
  });

  it('releases the lock even when the job cannot be found', async () => {
    // Prepare: the lock is the job's, but the job is looked for in another org.
    const { tasks, store, job } = await tasksOf();

    // Act
    const finishing = tasks.finishJob({ job: { ...job, org_id: 'another-org' } });

    // Assess
    await expect(finishing).rejects.toThrow(`job ${job.job_id} not found`);
    expect(await store.lockHolder(CLUSTER)).toBeUndefined();
  });
});

describe('executionEnded', () => {
  it('fails the job roles still running of a job whose workflow ended, keeps the others, and releases the lock', async () => {
    // Prepare
    const { tasks, store, job, stored } = await tasksOf();
    await tasks.provisionRole({ job, user_role: 'hoop_ro' });
    const executionEnded = executionEndedTask({ store, now: () => NOW });

    // Act
    await executionEnded({ status: 'TIMED_OUT', job });

    // Assess
    const ended = await stored();
    expect(ended.status.phase).toBe('failed');
    expect(ended.status.message).toBe(`${PHASE_MESSAGES.failed}: the workflow ended timed_out`);
    expect(ended.status.result.map((result) => [result.status, result.message])).toEqual([
      ['completed', ''],
      ['failed', 'workflow timed_out'],
      ['failed', 'workflow timed_out'],
    ]);
    expect(await store.lockHolder(CLUSTER)).toBeUndefined();
  });

  it('leaves a job that had finished as it was', async () => {
    // Prepare
    const { tasks, store, job, stored } = await tasksOf();
    await tasks.finishJob({ job });
    const finished = await stored();

    // Act
    await executionEndedTask({ store, now: () => NOW })({ status: 'ABORTED', job });

    // Assess
    expect(await stored()).toEqual(finished);
  });
});
