import type { Handler } from 'aws-lambda';
import { logger } from '../adapters/logger';
import type { JobTarget } from '../core/dbroles/model';
import type { FinishInput, JobRoleFailureInput, JobRoleTaskInput } from '../core/dbroles/tasks';
import { createJobTasks } from './compose/dbroles';

/** The Lambda functions of the DB role job workflow: one bundle, one exported handler per Task. */
const tasks = createJobTasks();

export const provisionRole: Handler<JobRoleTaskInput> = (input) => tasks.provisionRole(input);
export const recordRoleFailure: Handler<JobRoleFailureInput> = (input) => tasks.recordRoleFailure(input);
export const finishJob: Handler<FinishInput> = (input) => tasks.finishJob(input);

/** EventBridge "Step Functions Execution Status Change" for TIMED_OUT, FAILED or ABORTED executions. */
export const executionEnded: Handler<{ detail: { status: string; input: string } }> = async (event) => {
  const input = JSON.parse(event.detail.input) as { job: JobTarget };
  logger.warn('workflow ended without finishing its job', { job_id: input.job.job_id, status: event.detail.status });
  await tasks.executionEnded({ status: event.detail.status, job: input.job });
};
