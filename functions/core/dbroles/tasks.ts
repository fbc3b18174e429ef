import type { Log } from '../log';
import { generatePassword } from '../postgres/password';
import { redactSecrets, SqlExecutionError } from '../postgres/sql-port';
import { credentialsInfoOf, JOB_FINISHED, type JobPhase, type JobRole, type JobRoleResult, type JobTarget, JOB_ROLES, PHASE_MESSAGES } from './model';
import type { JobEventPublisher, JobRoleCredentialsWriter, JobStore } from './ports';
import type { JobEngine } from './engine';

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
  /** The engine of the job's cluster, reached through its master secret. */
  engineFor(target: JobTarget): JobEngine;
  storeCredentials: JobRoleCredentialsWriter;
  events: JobEventPublisher;
  log: Log;
  now?: () => Date;
}

export interface JobInput {
  job: JobTarget;
}

/** One item of the workflow's fan-out over the cluster's targets (databases on PostgreSQL). */
export interface TargetTaskInput extends JobInput {
  target: string;
}

export interface JobRoleTaskInput extends JobInput {
  user_role: JobRole;
  /** The targets the job provisions: the credentials name one of them. */
  targets: string[];
}

/** A job role's login: `ready` for its grants, or `failed` (already recorded). */
export interface JobRoleLogin {
  user_role: JobRole;
  status: 'ready' | 'failed';
}

export interface GrantTaskInput extends TargetTaskInput {
  logins: JobRoleLogin[];
}

/** What Step Functions reports of a failed Task (`States.ALL` caught into `$.error`). */
export interface TaskError {
  Error?: string;
  Cause?: string;
}

export interface JobRoleFailureInput extends JobInput {
  user_role: JobRole;
  error?: TaskError;
}

export interface GrantFailureInput extends GrantTaskInput {
  error?: TaskError;
}

export interface FinishInput extends JobInput {
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
 * the password of a job role exists inside `loginRole` and nowhere else. Every Task is a bounded
 * amount of work: the workflow fans out over the cluster's targets, never a loop over them here.
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

  /** Runs a Task's work: a Data API error that surely did not run is retried by the workflow; anything else fails, logged with its reason. */
  const step = async <T>(what: string, fields: Record<string, string>, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof SqlExecutionError && error.retryable) throw new DataApiTransientError(error.message);
      const message = redactSecrets(error instanceof Error ? error.message : String(error));
      deps.log.warn(`${what} failed`, { ...fields, reason: message });
      throw new RoleProvisioningError(message);
    }
  };

  return {
    /** The targets of the job's cluster: what the workflow fans out over. */
    async listTargets(input: JobInput): Promise<string[]> {
      return step('listing the databases', { job_id: input.job.job_id }, () => deps.engineFor(input.job).listTargets());
    },

    /** Refuses the job, before anything changes, when a target's grants cannot be made. */
    async inspectTarget(input: TargetTaskInput): Promise<{ target: string }> {
      await step('inspecting the database', { job_id: input.job.job_id, database: input.target }, () => deps.engineFor(input.job).inspect(input.target));
      return { target: input.target };
    },

    /** Stores a new password for the job role, then creates its login or resets its password. */
    async loginRole(input: JobRoleTaskInput): Promise<JobRoleLogin> {
      const fields = { job_id: input.job.job_id, role: input.user_role };
      await step('role provisioning', fields, async () => {
        const engine = deps.engineFor(input.job);
        const password = generatePassword();
        await deps.storeCredentials(input.job, input.user_role, { password, database: engine.credentialsDatabase(input.targets) });
        await engine.login(input.user_role, password);
      });
      deps.log.info('role login ready', fields);
      return { user_role: input.user_role, status: 'ready' };
    },

    /** Grants every job role whose login is ready its privileges on one target. */
    async grantTarget(input: GrantTaskInput): Promise<{ target: string; statements: number }> {
      const jobRoles = readyRoles(input.logins);
      const fields = { job_id: input.job.job_id, database: input.target };
      const { statements } = await step('role provisioning', { ...fields, roles: jobRoles.join(',') }, () => deps.engineFor(input.job).grant(input.target, jobRoles));
      deps.log.info('database provisioned', { ...fields, roles: jobRoles.join(','), statements });
      return { target: input.target, statements };
    },

    /** A target's grants failed: every job role they were for fails, naming the target. */
    async recordGrantFailure(input: GrantFailureInput): Promise<{ target: string; status: JobPhase }> {
      const message = `database "${input.target}": ${failureMessage(input.error)}`;
      for (const jobRole of readyRoles(input.logins)) {
        await deps.store.recordJobRoleResult(input.job.org_id, input.job.job_id, indexOf(jobRole), result(input.job, jobRole, 'failed', message));
      }
      return { target: input.target, status: 'failed' };
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
        // A job role still running has no failure recorded: it is done, unless the workflow itself failed.
        const message = input.error ? failureMessage(input.error) : '';
        const results = record.job.status.result.map((entry) => (entry.status === 'running' ? result(job, entry.user_role, input.error ? 'failed' : 'completed', message) : entry));
        const phase = results.every((entry) => entry.status === 'completed') ? 'completed' : 'failed';
        const ended = await deps.store.finish(job.org_id, job.job_id, { phase, message: PHASE_MESSAGES[phase], completedAt: now(), result: results });
        // Free the database as soon as the job shows as ended, so that a caller who sees it ended can start the next one.
        await deps.store.releaseLock(job.cluster_arn, job.job_id);
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

const readyRoles = (logins: readonly JobRoleLogin[]): JobRole[] => logins.filter((login) => login.status === 'ready').map((login) => login.user_role);
