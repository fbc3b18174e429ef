import { describe, expect, it } from 'vitest';
import { executionEndedTask } from '../../../../functions/core/dbroles/execution-ended';
import { JOB_FINISHED, type JobRecord, type JobRole, PHASE_MESSAGES } from '../../../../functions/core/dbroles/model';
import { DataApiTransientError, failureMessage, type JobRoleLogin, jobTasks, RoleProvisioningError } from '../../../../functions/core/dbroles/tasks';
import type { JobEngine } from '../../../../functions/core/dbroles/engine';
import { SqlExecutionError } from '../../../../functions/core/postgres/sql-port';
import { runningJob } from '../../../support/contracts/job-store';
import { MemoryEvents, MemoryJobStore, memoryEngine, recordingCredentials, recordingLog } from '../../../support/memory/dbroles';

const ORG = 'org-a';
const CLUSTER = 'arn:aws:rds:eu-west-1:123456789012:cluster:orders';
const NOW = new Date('2030-01-01T00:05:00.000Z');

/** The Tasks over in-memory ports, with one running job that holds its cluster's lock. */
async function tasksOf(options: { engine?: JobEngine & { calls: unknown[] }; sendWebhook?: boolean } = {}) {
  const store = new MemoryJobStore();
  const record = runningJob(ORG, CLUSTER);
  record.target.send_webhook = options.sendWebhook ?? false;
  await store.createWithLock(record, { clusterArn: CLUSTER, until: '2030-01-01T00:15:00.000Z', now: '2030-01-01T00:00:00.000Z' });
  const events = new MemoryEvents();
  const credentials = recordingCredentials();
  const engine = options.engine ?? memoryEngine();
  const log = recordingLog();
  const tasks = jobTasks({ store, engineFor: () => engine, storeCredentials: credentials, events, log, now: () => NOW });
  const job = record.target;
  const stored = async () => ((await store.get(ORG, job.job_id)) as JobRecord).job;
  return { tasks, store, events, credentials, job, stored, log, engine };
}

/** The error Step Functions catches from a Lambda Task that threw. */
const lambdaError = (name: string, message: string) => ({ Error: name, Cause: JSON.stringify({ errorType: name, errorMessage: message }) });

const ready = (...jobRoles: JobRole[]): JobRoleLogin[] => jobRoles.map((jobRole) => ({ user_role: jobRole, status: 'ready' }));

describe('listTargets and inspectTarget', () => {
  it("answers the engine's targets, and inspects one target per call", async () => {
    // Prepare
    const engine = memoryEngine({ databases: ['app', 'postgres'] });
    const { tasks, job } = await tasksOf({ engine });

    // Act
    const targets = await tasks.listTargets({ job });
    const inspected = await tasks.inspectTarget({ job, target: 'app' });

    // Assess
    expect(targets).toEqual(['app', 'postgres']);
    expect(inspected).toEqual({ target: 'app' });
    expect(engine.calls).toEqual([['listTargets'], ['inspect', 'app']]);
  });

  it('fails the inspection with the reason the engine gives, for the workflow to fail the job', async () => {
    // Prepare
    const engine = memoryEngine({ failWith: { inspect: new Error('the provisioning user "master" cannot act for role "owner"') } });
    const { tasks, job, stored } = await tasksOf({ engine });

    // Act
    const inspecting = tasks.inspectTarget({ job, target: 'postgres' });

    // Assess
    await expect(inspecting).rejects.toThrow(RoleProvisioningError);
    await expect(inspecting).rejects.toThrow('cannot act for role "owner"');
    expect((await stored()).status.result.every((result) => result.status === 'running')).toBe(true);
  });
});

describe('loginRole', () => {
  it('stores the credentials, naming the database the engine picks, then logs in the job role, recording nothing yet', async () => {
    // Prepare
    const { tasks, credentials, job, stored, engine } = await tasksOf();

    // Act
    const answer = await tasks.loginRole({ job, user_role: 'hoop_rw', targets: ['orders', 'postgres'] });

    // Assess
    expect(answer).toEqual({ user_role: 'hoop_rw', status: 'ready' });
    expect(credentials.written).toEqual([{ jobRole: 'hoop_rw', database: 'orders' }]);
    expect(engine.calls).toEqual([['login', 'hoop_rw']]);
    expect((await stored()).status.result.map((result) => result.status)).toEqual(['running', 'running', 'running']);
  });

  it('turns a Data API error that surely did not run into DataApiTransientError, for the workflow to retry', async () => {
    // Prepare
    const { tasks, job } = await tasksOf({ engine: memoryEngine({ failWith: { login: new SqlExecutionError('the cluster is resuming', undefined, true) } }) });

    // Act
    const login = tasks.loginRole({ job, user_role: 'hoop_ro', targets: ['postgres'] });

    // Assess
    await expect(login).rejects.toThrow(DataApiTransientError);
    await expect(login).rejects.toThrow('the cluster is resuming');
  });

  it.each([
    ['a SQL error that may have run', new SqlExecutionError(`syntax error at or near "PASSWORD 'hunter2'"`, '42601', false)],
    ['any other error', new Error(`could not store SCRAM-SHA-256$4096:c2FsdA==$a2V5:c2VydmVy for PASSWORD 'hunter2'`)],
  ])('turns %s into RoleProvisioningError, its secrets redacted', async (_case, failure) => {
    // Prepare
    const { tasks, job } = await tasksOf({ engine: memoryEngine({ failWith: { login: failure } }) });

    // Act
    const login = tasks.loginRole({ job, user_role: 'hoop_ddl', targets: ['postgres'] });

    // Assess
    await expect(login).rejects.toThrow(RoleProvisioningError);
    await expect(login).rejects.toThrow("PASSWORD '[redacted]'");
    await expect(login).rejects.not.toThrow(/hunter2|c2VydmVy/);
  });

  it('logs why a job role failed, under a field the logger keeps, secrets redacted', async () => {
    // Prepare
    const { tasks, job, log } = await tasksOf({ engine: memoryEngine({ failWith: { login: new SqlExecutionError(`permission denied to create role; PASSWORD 'hunter2'`, '42501', false) } }) });

    // Act
    await tasks.loginRole({ job, user_role: 'hoop_rw', targets: ['postgres'] }).catch(() => undefined);

    // Assess: Powertools keeps `message` for the entry's own text and drops a field of that name
    const entry = log.entries.find((candidate) => candidate.message === 'role provisioning failed');
    expect(entry?.level).toBe('warn');
    expect(entry?.fields).toMatchObject({ job_id: job.job_id, role: 'hoop_rw', reason: expect.stringContaining('permission denied to create role') });
    expect(JSON.stringify(entry)).not.toContain('hunter2');
  });
});

describe('grantTarget and recordGrantFailure', () => {
  it('grants only the job roles whose login is ready, in one engine call for the target', async () => {
    // Prepare
    const { tasks, job, engine } = await tasksOf();

    // Act
    const answer = await tasks.grantTarget({ job, target: 'orders', logins: [...ready('hoop_ro'), { user_role: 'hoop_rw', status: 'failed' }, ...ready('hoop_ddl')] });

    // Assess
    expect(answer).toEqual({ target: 'orders', statements: 2 });
    expect(engine.calls).toEqual([['grant', 'orders', ['hoop_ro', 'hoop_ddl']]]);
  });

  it("fails every ready job role of a target whose grants failed, naming the target, and leaves the others' outcome as it was", async () => {
    // Prepare
    const { tasks, job, stored } = await tasksOf();
    await tasks.recordRoleFailure({ job, user_role: 'hoop_rw', error: lambdaError('RoleProvisioningError', 'login failed') });

    // Act
    const answer = await tasks.recordGrantFailure({
      job,
      target: 'orders',
      logins: [...ready('hoop_ro'), { user_role: 'hoop_rw', status: 'failed' }, ...ready('hoop_ddl')],
      error: lambdaError('RoleProvisioningError', "permission denied for schema app; PASSWORD 'hunter2'"),
    });

    // Assess
    expect(answer).toEqual({ target: 'orders', status: 'failed' });
    expect((await stored()).status.result.map((result) => [result.user_role, result.status, result.message])).toEqual([
      ['hoop_ro', 'failed', `database "orders": permission denied for schema app; PASSWORD '[redacted]'`],
      ['hoop_rw', 'failed', 'login failed'],
      ['hoop_ddl', 'failed', `database "orders": permission denied for schema app; PASSWORD '[redacted]'`],
    ]);
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

    // Act: no job role failed
    const answer = await tasks.finishJob({ job });

    // Assess
    expect(answer).toEqual({ phase: 'completed' });
    expect(await stored()).toMatchObject({ completed_at: NOW.toISOString(), status: { phase: 'completed', message: PHASE_MESSAGES.completed } });
    expect(events.published).toEqual([]);
    expect(await store.lockHolder(CLUSTER)).toBeUndefined();
  });

  it('frees the database before it publishes the finished job, so that one who sees the job ended can start the next', async () => {
    // Prepare: a bus that notes who holds the lock when the event reaches it
    const { tasks, store, events, job } = await tasksOf({ sendWebhook: true });
    let holderWhenPublished: unknown = 'not published';
    const publish = events.publish.bind(events);
    events.publish = async (event) => {
      holderWhenPublished = await store.lockHolder(CLUSTER);
      return publish(event);
    };

    // Act
    await tasks.finishJob({ job });

    // Assess
    expect(events.published).toHaveLength(1);
    expect(holderWhenPublished).toBeUndefined();
  });

  it('fails a job with a failed job role and publishes the finished job when asked', async () => {
    // Prepare
    const { tasks, events, job, stored } = await tasksOf({ sendWebhook: true });
    await tasks.recordRoleFailure({ job, user_role: 'hoop_rw', error: lambdaError('RoleProvisioningError', 'no') });

    // Act
    const answer = await tasks.finishJob({ job });

    // Assess
    expect(answer).toEqual({ phase: 'failed' });
    const finished = await stored();
    expect(finished.status.message).toBe(PHASE_MESSAGES.failed);
    expect(finished.status.result.map((result) => [result.status, result.completed_at])).toEqual([
      ['completed', NOW.toISOString()],
      ['failed', NOW.toISOString()],
      ['completed', NOW.toISOString()],
    ]);
    expect(events.published).toEqual([{ event_type: JOB_FINISHED, event_payload: finished }]);
  });

  it('fails the job roles left without an outcome when the workflow itself failed', async () => {
    // Prepare
    const { tasks, job, stored } = await tasksOf();
    await tasks.recordRoleFailure({ job, user_role: 'hoop_ro', error: lambdaError('RoleProvisioningError', 'login failed') });

    // Act
    await tasks.finishJob({ job, error: { Error: 'States.Timeout', Cause: 'Map timed out' } });

    // Assess
    expect((await stored()).status.result.map((result) => [result.status, result.message])).toEqual([
      ['failed', 'login failed'],
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
    await tasks.recordRoleFailure({ job, user_role: 'hoop_ro', error: lambdaError('RoleProvisioningError', 'login failed') });
    const executionEnded = executionEndedTask({ store, now: () => NOW });

    // Act
    await executionEnded({ status: 'TIMED_OUT', job });

    // Assess
    const ended = await stored();
    expect(ended.status.phase).toBe('failed');
    expect(ended.status.message).toBe(`${PHASE_MESSAGES.failed}: the workflow ended timed_out`);
    expect(ended.status.result.map((result) => [result.status, result.message])).toEqual([
      ['failed', 'login failed'],
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
