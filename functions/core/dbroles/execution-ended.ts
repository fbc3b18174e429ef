import { PHASE_MESSAGES, type JobTarget } from './model';
import type { JobStore } from './ports';

/** What EventBridge tells of an execution that ended (its status) and the job it ran. */
export interface ExecutionEndedInput {
  status: string;
  job: JobTarget;
}

/**
 * The catch-all: a workflow that ended without finishing its job (timed out, failed, aborted). Not
 * one of the Tasks: it runs in a function of its own, which needs the job store only.
 */
export function executionEndedTask(deps: { store: JobStore; now?: () => Date }) {
  return async (input: ExecutionEndedInput): Promise<void> => {
    const { job } = input;
    const status = input.status.toLowerCase();
    await deps.store.failUnfinished(job.org_id, job.job_id, { message: `${PHASE_MESSAGES.failed}: the workflow ended ${status}`, jobRoleMessage: `workflow ${status}`, completedAt: (deps.now ? deps.now() : new Date()).toISOString() });
    await deps.store.releaseLock(job.cluster_arn, job.job_id);
  };
}
