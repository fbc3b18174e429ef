import type { Log } from '../log';
import { redactSecrets, SqlExecutionError, type SqlPort } from '../postgres/sql-port';
import { credentialsInfoOf, JOB_FINISHED, type JobPhase, type JobRole, type JobRoleResult, type JobTarget, JOB_ROLES, PHASE_MESSAGES } from './model';
import type { JobEventPublisher, JobStore } from './ports';
import { type JobRoleCredentialsWriter, provisionJobRole } from './provision-role';

/** A Data API error after which the Task may run again (Retry matches this name). */
export class DataApiTransientError extends Error {
  override name = 'DataApiTransientError';
}

/** Anything else that stops a job role; caught by the workflow, which records it as that job role's failure. */
export class RoleProvisioningError extends Error {
  override name = 'RoleProvisioningError';
}

export interface TaskDependencies {
  store: JobStore;
  /** The cluster's databases, through its master secret. */
  sqlFor(target: JobTarget): SqlPort;
  storeCredentials: JobRoleCredentialsWriter;
  events: JobEventPublisher;
  log: Log;
  now?: () => Date;
}

export interface JobRoleTaskInput {
  job: JobTarget;
  user_role: JobRole;
}

/** What Step Functions reports of a failed Task (`States.ALL` caught into `$.error`). */
export interface TaskError {
  Error?: string;
  Cause?: string;
}

export interface JobRoleFailureInput extends JobRoleTaskInput {
  error?: TaskError;
}

export interface FinishInput {
  job: JobTarget;
  results?: unknown;
  error?: TaskError;
}

/** What Step Functions reports of a failed Lambda Task: the Cause is its JSON error, or a text. */
export function failureMessage(error: TaskError | undefined): string {
  if (!error) return 'unknown error';
  try {
    const cause = JSON.parse(error.Cause ?? '') as { errorMessage?: string };
    if (cause.errorMessage) return redactSecrets(cause.errorMessage);
  } catch {
    // Not JSON: the text itself.
  }
  return redactSecrets(error.Cause || error.Error || 'unknown error');
}

/**
 * The Tasks of the DB role job workflow. Their inputs and outputs hold names and references only:
 * the password of a job role exists inside `provisionRole` and nowhere else.
 */
export function jobTasks(deps: TaskDependencies) {
  const now = () => (deps.now ? deps.now() : new Date()).toISOString();
  const indexOf = (jobRole: JobRole) => JOB_ROLES.indexOf(jobRole);

  const result = (job: JobTarget, jobRole: JobRole, status: JobPhase, message: string): JobRoleResult => ({
    user_role: jobRole,
    status,
    message,
    completed_at: status === 'running' ? null : now(),
    credentials_info: credentialsInfoOf(job, jobRole),
  });

  return {
    async provisionRole(input: JobRoleTaskInput): Promise<{ user_role: JobRole; status: JobPhase }> {
      try {
        const outcome = await provisionJobRole({ sql: deps.sqlFor(input.job), storeCredentials: deps.storeCredentials }, input.job, input.user_role);
        await deps.store.recordJobRoleResult(input.job.org_id, input.job.job_id, indexOf(input.user_role), result(input.job, input.user_role, 'completed', ''));
        deps.log.info('role provisioned', { job_id: input.job.job_id, role: input.user_role, ...outcome });
        return { user_role: input.user_role, status: 'completed' };
      } catch (error) {
        if (error instanceof SqlExecutionError && error.retryable) throw new DataApiTransientError(error.message);
        const message = redactSecrets(error instanceof Error ? error.message : String(error));
        deps.log.warn('role provisioning failed', { job_id: input.job.job_id, role: input.user_role, reason: message });
        throw new RoleProvisioningError(message);
      }
    },

    async recordRoleFailure(input: JobRoleFailureInput): Promise<{ user_role: JobRole; status: JobPhase }> {
      await deps.store.recordJobRoleResult(input.job.org_id, input.job.job_id, indexOf(input.user_role), result(input.job, input.user_role, 'failed', failureMessage(input.error)));
      return { user_role: input.user_role, status: 'failed' };
    },

    /** Sets the phase and message, publishes `dbroles.job.finished` when asked, releases the lock. */
    async finishJob(input: FinishInput): Promise<{ phase: JobPhase }> {
      const { job } = input;
      try {
        const record = await deps.store.get(job.org_id, job.job_id);
        if (!record) throw new Error(`job ${job.job_id} not found`);
        let results = record.job.status.result;
        if (input.error) {
          // The Map itself failed: job roles without an outcome failed with it.
          const message = failureMessage(input.error);
          results = results.map((entry) => (entry.status === 'running' ? result(job, entry.user_role, 'failed', message) : entry));
        }
        const phase = results.every((entry) => entry.status === 'completed') ? 'completed' : 'failed';
        const ended = await deps.store.finish(job.org_id, job.job_id, { phase, message: PHASE_MESSAGES[phase], completedAt: now(), result: results });
        if (ended && job.send_webhook) {
          const finished = await deps.store.get(job.org_id, job.job_id);
          await deps.events.publish({ event_type: JOB_FINISHED, event_payload: finished?.job });
        }
        return { phase };
      } finally {
        await deps.store.releaseLock(job.cluster_arn, job.job_id);
      }
    },
  };
}
