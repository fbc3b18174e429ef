import { SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { StepFunctionsJobWorkflow } from '../../../../functions/adapters/step-functions/job-workflow';
import { answering } from '../answering';

const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:dbroles';

/** A Step Functions client whose HTTP layer answers DescribeExecution from a table of executions; it records the ARNs asked for. */
function stepFunctions(executions: Record<string, string>) {
  const asked: string[] = [];
  const client = new SFNClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: answering((body) => {
      const { executionArn } = JSON.parse(body) as { executionArn: string };
      asked.push(executionArn);
      const status = executions[executionArn];
      const [code, answer] = status
        ? [200, { executionArn, stateMachineArn: STATE_MACHINE, status, startDate: 1_700_000_000 }]
        : [400, { __type: 'com.amazonaws.swf.service.v2.model#ExecutionDoesNotExist', message: `Execution Does Not Exist: '${executionArn}'` }];
      return { status: code, contentType: 'application/x-amz-json-1.0', body: JSON.stringify(answer) };
    }),
  });
  return { client, asked };
}

describe('StepFunctionsJobWorkflow.executionState', () => {
  const execution = (jobId: string) => `arn:aws:states:eu-west-1:123456789012:execution:dbroles:${jobId}`;

  it.each([
    ['RUNNING', 'running'],
    ['PENDING_REDRIVE', 'running'],
    ['SUCCEEDED', 'ended'],
    ['FAILED', 'ended'],
    ['TIMED_OUT', 'ended'],
    ['ABORTED', 'ended'],
  ])('reads an execution %s as %s, asking for the execution named after the job', async (status, state) => {
    // Prepare
    const { client, asked } = stepFunctions({ [execution('job-1')]: status });

    // Act
    const answer = await new StepFunctionsJobWorkflow(client, STATE_MACHINE).executionState('job-1');

    // Assess
    expect(answer).toBe(state);
    expect(asked).toEqual([execution('job-1')]);
  });

  it('reads an execution Step Functions does not know as not-found', async () => {
    const { client } = stepFunctions({});
    expect(await new StepFunctionsJobWorkflow(client, STATE_MACHINE).executionState('job-2')).toBe('not-found');
  });
});
