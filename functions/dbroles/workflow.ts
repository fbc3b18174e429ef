import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { JOB_ROLES, type JobTarget } from './model';
import type { WorkflowStarter } from './service';

/** What the workflow receives: the job's target (names and references only) and the roles to map over. */
export interface WorkflowInput {
  job: JobTarget;
  roles: readonly string[];
}

/** Starts the DB role job state machine; the execution is named after the job, so a retry cannot start it twice. */
export class StepFunctionsWorkflowStarter implements WorkflowStarter {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(target: JobTarget): Promise<void> {
    const input: WorkflowInput = { job: target, roles: JOB_ROLES };
    try {
      await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: target.job_id, input: JSON.stringify(input) }));
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }
}
