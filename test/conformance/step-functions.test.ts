import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  HistoryEventType,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_STATE_MACHINE_ARN } from '../../infra/local/workflows';
import { apiAs, newOrg } from '../support/api';
import { type LocalCluster, newLocalCluster } from '../support/clusters';
import { injectDataApiFaults, stallDataApi } from '../support/postgres';
import { type Api, startJob, waitForJob } from '../workflow/jobs';
import { stepFunctionsClient } from './clients';

/**
 * The local Step Functions against the service's API reference
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/: HistoryEvent, GetExecutionHistory,
 * ListExecutions, DescribeStateMachine, StopExecution), through the production SDK client, on DB role
 * jobs run by the real workflow on a cluster of this file's own.
 */
describe('the local Step Functions answers as the service does', () => {
  const org = newOrg('sfn-conformance');
  let cluster: LocalCluster;
  let admin: Api;
  let client: SFNClient;
  const executionArnOf = (jobId: string) => `${LOCAL_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${jobId}`;
  /**
   * Runs a job to its end and waits for its execution to end too: the job records its phase in the
   * workflow's last state, a moment before the execution itself leaves RUNNING.
   */
  const runJob = async () => {
    const id = await startJob(admin, { aws: { instance_arn: cluster.cluster_arn }, connection_prefix_name: 'conformance-' });
    const job = await waitForJob(admin, id);
    const executionArn = executionArnOf(id);
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const { status } = await client.send(new DescribeExecutionCommand({ executionArn }));
      if (status !== 'RUNNING') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { id, job, executionArn };
  };
  /** Every page of an execution's history, 7 events at a time. */
  const historyOf = async (executionArn: string, extra: { reverseOrder?: boolean; includeExecutionData?: boolean } = {}) => {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 7, nextToken, ...extra }));
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  };
  /** The events of one line of work, from its first event on, following `previousEventId`. */
  const lineFrom = (events: HistoryEvent[], first: HistoryEvent) => {
    const line = [first];
    for (let next = events.find((event) => event.previousEventId === first.id); next; next = events.find((event) => event.previousEventId === line.at(-1)?.id)) line.push(next);
    return line;
  };
  const failure = async (call: Promise<unknown>) => ((await call.then(() => ({ name: 'no error' }), (error: unknown) => error)) as { name: string }).name;

  beforeAll(async () => {
    cluster = await newLocalCluster('sfn-conformance');
    admin = await apiAs({ org, groups: ['admin'] });
    client = stepFunctionsClient();
  });

  afterAll(() => client.destroy());

  it("records a job's history with the service's event types, ids and details", async () => {
    // Act
    const { job, executionArn } = await runJob();
    const events = await historyOf(executionArn);
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));

    // Assess
    expect(job.status.phase).toBe('completed');
    const types = events.map((event) => event.type);
    expect(types.every((type) => Object.values(HistoryEventType).includes(type as HistoryEventType))).toBe(true);
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    expect(events.every((event) => (event.previousEventId ?? -1) >= 0 && (event.previousEventId ?? 0) < (event.id ?? 0))).toBe(true);
    expect(events.some((event) => 'details' in event)).toBe(false);
    expect(events[0]).toMatchObject({ type: 'ExecutionStarted', previousEventId: 0, executionStartedEventDetails: { input: described.input, roleArn: expect.stringMatching(/^arn:aws:iam::/) } });
    expect(types.slice(1, 6)).toEqual(['TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded', 'TaskStateExited']);
    expect(events[1]?.stateEnteredEventDetails?.name).toBe('ListTargets');
    const databases = JSON.parse(events[4]?.lambdaFunctionSucceededEventDetails?.output ?? '[]') as string[];
    expect(databases).toContain('postgres');
    const mapStarts = events.filter((event) => event.type === 'MapStateStarted').map((event) => event.mapStateStartedEventDetails?.length);
    expect(mapStarts).toEqual([databases.length, 3, databases.length]);

    const iterations = events.filter((event) => event.type === 'MapIterationStarted');
    expect(iterations.map((event) => event.mapIterationStartedEventDetails)).toEqual(expect.arrayContaining([0, 1, 2].map((index) => ({ name: 'LoginRoles', index }))));
    for (const iteration of iterations.filter((event) => event.mapIterationStartedEventDetails?.name === 'LoginRoles')) {
      const following = lineFrom(events, iteration);
      const line = following.slice(0, following.findIndex((event) => event.type === 'MapIterationSucceeded') + 1);
      expect(line.map((event) => event.type)).toEqual(['MapIterationStarted', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded', 'TaskStateExited', 'MapIterationSucceeded']);
      const [, entered, scheduled, , succeeded] = line;
      expect(entered?.stateEnteredEventDetails?.name).toBe('LoginRole');
      expect(scheduled?.lambdaFunctionScheduledEventDetails).toMatchObject({ resource: expect.stringMatching(/^arn:aws:lambda:[\w-]+:\d{12}:function:/), timeoutInSeconds: 60 });
      expect(JSON.parse(scheduled?.lambdaFunctionScheduledEventDetails?.input ?? '{}')).toMatchObject({ user_role: expect.stringMatching(/^hoop_/) });
      expect(JSON.parse(succeeded?.lambdaFunctionSucceededEventDetails?.output ?? '{}')).toMatchObject({ status: 'ready' });
    }
    const grants = iterations.filter((event) => event.mapIterationStartedEventDetails?.name === 'GrantTargets');
    expect(grants).toHaveLength(databases.length);
    expect(types.slice(-8)).toEqual(['MapStateSucceeded', 'MapStateExited', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded', 'TaskStateExited', 'ExecutionSucceeded']);
    expect(events.at(-1)?.executionSucceededEventDetails?.output).toBe(described.output);

    const reversed = await historyOf(executionArn, { reverseOrder: true, includeExecutionData: false });
    expect(reversed.map((event) => event.id)).toEqual(events.map((event) => event.id).reverse());
    expect(reversed.at(-1)?.executionStartedEventDetails).toEqual({ inputDetails: { truncated: false }, roleArn: expect.any(String) });
  });

  it('records a caught failure: LambdaFunctionFailed with the function error as Lambda reports it, the Task exits and FinishJob runs', async () => {
    // Prepare: the next Data API call (the listing of the databases) fails for good
    await injectDataApiFaults(cluster.secret_arn, 1, 'DatabaseErrorException', 'ERROR: permission denied for database postgres; SQLState: 42501');

    // Act
    const { job, executionArn } = await runJob();
    const events = await historyOf(executionArn);

    // Assess
    expect(job.status.phase).toBe('failed');
    const failed = events.filter((event) => event.type === 'LambdaFunctionFailed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.lambdaFunctionFailedEventDetails?.error).toBe('RoleProvisioningError');
    expect(JSON.parse(failed[0]?.lambdaFunctionFailedEventDetails?.cause ?? '{}')).toMatchObject({ errorType: 'RoleProvisioningError', errorMessage: expect.stringContaining('permission denied') });
    const after = lineFrom(events, failed[0] as HistoryEvent).map((event) => [event.type, event.stateEnteredEventDetails?.name ?? event.stateExitedEventDetails?.name]);
    expect(after.slice(0, 3)).toEqual([
      ['LambdaFunctionFailed', undefined],
      ['TaskStateExited', 'ListTargets'],
      ['TaskStateEntered', 'FinishJob'],
    ]);
  });

  it('lists and describes the state machine as deployed, and lists executions newest first, filtered and paged', async () => {
    // Prepare
    const { executionArn } = await runJob();

    // Act
    const machines = await client.send(new ListStateMachinesCommand({}));
    const machine = await client.send(new DescribeStateMachineCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN }));
    const listed: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(new ListExecutionsCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, statusFilter: 'SUCCEEDED', maxResults: 2, nextToken }));
      expect(page.executions?.length).toBeLessThanOrEqual(2);
      expect(page.executions?.every((execution) => execution.status === 'SUCCEEDED')).toBe(true);
      listed.push(...(page.executions ?? []).map((execution) => execution.executionArn ?? ''));
      nextToken = page.nextToken;
    } while (nextToken);
    const newest = await client.send(new ListExecutionsCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, maxResults: 1000 }));

    // Assess
    expect(machines.stateMachines).toEqual([expect.objectContaining({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, name: 'local-dbroles', type: 'STANDARD', creationDate: expect.any(Date) })]);
    expect(machine).toMatchObject({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, name: 'local-dbroles', status: 'ACTIVE', type: 'STANDARD', roleArn: expect.any(String) });
    const definition = JSON.parse(machine.definition ?? '{}') as { States: { GrantTargets: { Type: string; ItemProcessor: { States: { GrantTarget: { Resource: string } } } } } };
    expect(definition.States.GrantTargets.Type).toBe('Map');
    expect(definition.States.GrantTargets.ItemProcessor.States.GrantTarget.Resource).toMatch(/^arn:aws:lambda:/);
    expect(listed).toContain(executionArn);
    const dates = (newest.executions ?? []).map((execution) => execution.startDate?.getTime() ?? 0);
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
    expect(await failure(client.send(new DescribeStateMachineCommand({ stateMachineArn: `${LOCAL_STATE_MACHINE_ARN}-nope` })))).toBe('StateMachineDoesNotExist');
    expect(await failure(client.send(new ListExecutionsCommand({ stateMachineArn: `${LOCAL_STATE_MACHINE_ARN}-nope` })))).toBe('StateMachineDoesNotExist');
  });

  it('refuses an unknown execution, an invalid name and an input that is not JSON', async () => {
    const executionArn = executionArnOf('no-such-execution');
    expect(await failure(client.send(new DescribeExecutionCommand({ executionArn })))).toBe('ExecutionDoesNotExist');
    expect(await failure(client.send(new GetExecutionHistoryCommand({ executionArn })))).toBe('ExecutionDoesNotExist');
    expect(await failure(client.send(new StopExecutionCommand({ executionArn })))).toBe('ExecutionDoesNotExist');
    expect(await failure(client.send(new StartExecutionCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, name: 'not a valid name', input: '{}' })))).toBe('InvalidName');
    expect(await failure(client.send(new StartExecutionCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, input: '{' })))).toBe('InvalidExecutionInput');
  });

  it('starts a running execution again only with the same input, and stops it: ABORTED, the history ends with ExecutionAborted, the job ends failed', async () => {
    // Prepare: the roles' first statements stall, so the execution is still running when stopped
    await stallDataApi(cluster.secret_arn, { count: 3, delayMs: 3_000 });
    const id = await startJob(admin, { aws: { instance_arn: cluster.cluster_arn }, connection_prefix_name: 'conformance-' });
    const executionArn = executionArnOf(id);
    const running = await client.send(new DescribeExecutionCommand({ executionArn }));

    // Act
    const again = await client.send(new StartExecutionCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, name: id, input: running.input }));
    const otherInput = await failure(client.send(new StartExecutionCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, name: id, input: '{}' })));
    const stopped = await client.send(new StopExecutionCommand({ executionArn, error: 'Conformance.Stopped', cause: 'stopped by the conformance test' }));
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    const events = await historyOf(executionArn);
    const job = await waitForJob(admin, id);

    // Assess
    expect(running.status).toBe('RUNNING');
    expect(again.executionArn).toBe(executionArn);
    expect(otherInput).toBe('ExecutionAlreadyExists');
    expect(stopped.stopDate).toBeInstanceOf(Date);
    expect(described).toMatchObject({ status: 'ABORTED', error: 'Conformance.Stopped', cause: 'stopped by the conformance test' });
    expect(events.at(-1)).toMatchObject({ type: 'ExecutionAborted', executionAbortedEventDetails: { error: 'Conformance.Stopped', cause: 'stopped by the conformance test' } });
    expect(job.status).toMatchObject({ phase: 'failed', message: expect.stringContaining('aborted') });
  });
});
