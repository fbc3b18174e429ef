import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { JOB_ROLES, type JobRole, type JobTarget } from '../../core/dbroles/model';
import type { ExecutionState, JobWorkflow } from '../../core/dbroles/ports';

/** What the workflow receives: the job's target (names and references only) and the job roles to map over. */
export interface WorkflowInput {
  job: JobTarget;
  roles: readonly JobRole[];
}

/** A redriven execution is about to run again: as alive as a running one. */
const ALIVE = new Set(['RUNNING', 'PENDING_REDRIVE']);

/**
 * The DB role job state machine. Each execution is named after its job, so a retry cannot start it
 * twice and a job's execution can be found from the job id alone.
 */
export class StepFunctionsJobWorkflow implements JobWorkflow {
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

  async executionState(jobId: string): Promise<ExecutionState> {
    const executionArn = `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${jobId}`;
    try {
      const { status } = await this.client.send(new DescribeExecutionCommand({ executionArn }));
      return ALIVE.has(status ?? '') ? 'running' : 'ended';
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist) return 'not-found';
      throw error;
    }
  }
}
