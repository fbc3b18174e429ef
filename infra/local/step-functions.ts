import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { AwsJsonError, type EventEnvelope, type LocalEventBus, type PutEventsEntry } from './eventbridge';
import { ExecutionHistory, type HistoryEvent, type RunnerEvent, type TaskResource } from './execution-history';

// aws-local-stepfunctions uses Promise.withResolvers (Node 22); Lambda runs 22, these machines run 20.
const promiseWithResolvers = Promise as unknown as { withResolvers?: unknown };
if (typeof promiseWithResolvers.withResolvers !== 'function') {
  promiseWithResolvers.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T) => void;
    let reject!: (reason: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

export type TaskHandler = (input: unknown) => Promise<unknown>;

export interface LocalWorkflowOptions {
  port: number;
  /** The ASL file CDK deploys, with its `${Name}` substitutions. */
  definitionFile: string;
  stateMachineArn: string;
  /** The local function behind each substitution that names a Task's Lambda. */
  functions: Record<string, TaskHandler>;
  /** The default event bus, for PutEvents and for the execution status change events. */
  bus: LocalEventBus;
  /** Wait this long before a retry instead of the definition's backoff (tests keep it short). */
  retryIntervalMs?: number;
}

type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: number;
  stopDate?: number;
  /** Its history, as GetExecutionHistory answers it (timestamps in milliseconds). */
  events: HistoryEvent[];
  done: Promise<void>;
}

export interface LocalWorkflows {
  endpoint: string;
  executions(): Execution[];
  /** Resolves when every execution started so far has ended. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

const ACCOUNT = '000000000000';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/local-dbroles-workflow`;
/** Execution names: 1 to 80 characters, none of whitespace, brackets, wildcards, punctuation or controls (StartExecution). */
const VALID_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]{1,80}$/u;

interface StateFields {
  Type?: string;
  Resource?: string;
  TimeoutSeconds?: number;
  ItemsPath?: string;
  ItemProcessor?: { States: Record<string, unknown> };
  Iterator?: { States: Record<string, unknown> };
}

/** Every state at any depth, by name, as the definition declares it. */
function statesOf(states: Record<string, unknown>, found: Record<string, StateFields> = {}): Record<string, StateFields> {
  for (const [name, state] of Object.entries(states)) {
    const fields = state as StateFields;
    found[name] = fields;
    const inner = fields.ItemProcessor?.States ?? fields.Iterator?.States;
    if (inner) statesOf(inner, found);
  }
  return found;
}

/** A function error as Lambda reports it to Step Functions: its type is the Error, its JSON the Cause. */
function asLambdaError(error: unknown): Error {
  const original = error instanceof Error ? error : new Error(String(error));
  const failure = new Error(JSON.stringify({ errorType: original.name, errorMessage: original.message, trace: (original.stack ?? '').split('\n') }));
  failure.name = original.name;
  return failure;
}

const seconds = (milliseconds: number | undefined) => (milliseconds === undefined ? undefined : milliseconds / 1000);

/** A page of a list and the token of the next one (the offset of its first item). */
function pageOf<T>(items: T[], request: { maxResults?: number; nextToken?: string }): { page: T[]; nextToken?: string } {
  const size = request.maxResults || 100;
  if (size < 0 || size > 1000) throw new AwsJsonError('ValidationException', 'maxResults must be between 0 and 1000');
  const start = request.nextToken === undefined ? 0 : Number(Buffer.from(request.nextToken, 'base64url').toString('utf8'));
  if (!Number.isInteger(start) || start < 0 || start > items.length) throw new AwsJsonError('InvalidToken', `Invalid Token: '${request.nextToken}'`);
  const end = Math.min(items.length, start + size);
  return { page: items.slice(start, end), ...(end < items.length ? { nextToken: Buffer.from(String(end)).toString('base64url') } : {}) };
}

/** A history event on the wire: seconds, and without inputs and outputs when they are not asked for. */
function wireEvent(event: HistoryEvent, includeExecutionData: boolean): Record<string, unknown> {
  const wire: Record<string, unknown> = { ...event, timestamp: event.timestamp / 1000 };
  if (!includeExecutionData) {
    for (const [key, details] of Object.entries(wire)) {
      if (key.endsWith('EventDetails') && typeof details === 'object' && details !== null) {
        const { input: _input, output: _output, ...rest } = details as Record<string, unknown>;
        wire[key] = rest;
      }
    }
  }
  return wire;
}

/**
 * Step Functions locally: runs the deployed ASL document with aws-local-stepfunctions, its Lambda
 * Tasks answered by the same handler modules in process. It speaks the awsJson1_0 protocol of
 * `@aws-sdk/client-sfn` (StartExecution, DescribeExecution, GetExecutionHistory, ListExecutions,
 * ListStateMachines, DescribeStateMachine, StopExecution) and, on the same endpoint, EventBridge's
 * awsJson1_1 (PutEvents, ListRules, DescribeEventBus), so production code keeps its SDK clients.
 * Every status change of an execution is announced on the bus as AWS does ("Step Functions Execution
 * Status Change").
 */
export async function startLocalWorkflows(options: LocalWorkflowOptions): Promise<LocalWorkflows> {
  const { StateMachine, ExecutionTimeoutError, ExecutionAbortedError } = await import('aws-local-stepfunctions');
  const source = readFileSync(options.definitionFile, 'utf8');
  const definitionText = source.replace(/\$\{(\w+)\}/g, (_, name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:local-${name}`);
  const definition = JSON.parse(definitionText) as StateMachineDefinition;
  const declared = statesOf(JSON.parse(source).States as Record<string, unknown>);
  const deployed = statesOf(definition.States as Record<string, unknown>);
  /** Task states whose Resource is a `${Substitution}`: the local function each one calls. */
  const substitutionOf = Object.fromEntries(
    Object.entries(declared).flatMap(([name, state]) => {
      const substitution = /^\$\{(\w+)\}$/.exec(state.Resource ?? '')?.[1];
      return state.Type === 'Task' && substitution ? [[name, substitution]] : [];
    }),
  );
  for (const substitution of new Set(Object.values(substitutionOf))) {
    if (!options.functions[substitution]) throw new Error(`no local function for ${substitution}`);
  }
  const tasks: Record<string, TaskResource> = Object.fromEntries(
    Object.keys(substitutionOf).map((name) => [name, { resource: deployed[name]?.Resource ?? '', timeoutInSeconds: deployed[name]?.TimeoutSeconds }]),
  );
  const itemCountOf = (mapState: string, input: unknown): number | undefined => {
    const path = deployed[mapState]?.ItemsPath ?? '$';
    if (!/^\$(\.\w+)*$/.test(path)) return undefined;
    const items = path
      .split('.')
      .slice(1)
      .reduce<unknown>((value, key) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined), input);
    return Array.isArray(items) ? items.length : undefined;
  };

  const machine = new StateMachine(definition, { validationOptions: { checkArn: true } });
  const machineName = options.stateMachineArn.split(':').at(-1) ?? '';
  const creationDate = Date.now();
  const executions = new Map<string, Execution>();
  const runs = new Map<string, { abort: () => void; history: ExecutionHistory }>();

  /** Each run gets its own Task handlers: they note what each function returned for its history. */
  const overridesFor = (history: ExecutionHistory) => ({
    taskResourceLocalHandlers: Object.fromEntries(
      Object.entries(substitutionOf).map(([state, substitution]) => [
        state,
        async (input: unknown) => {
          try {
            const output = await (options.functions[substitution] as TaskHandler)(input);
            history.taskReturned(state, input, output);
            return output as never;
          } catch (error) {
            throw asLambdaError(error);
          }
        },
      ]),
    ),
    ...(options.retryIntervalMs !== undefined ? { retryIntervalOverrides: Object.fromEntries(Object.keys(substitutionOf).map((state) => [state, options.retryIntervalMs as number])) } : {}),
  });

  const announce = async (execution: Execution) => {
    const event: EventEnvelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: ACCOUNT,
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: 'us-east-1',
      resources: [execution.executionArn],
      detail: {
        executionArn: execution.executionArn,
        stateMachineArn: execution.stateMachineArn,
        name: execution.name,
        status: execution.status,
        startDate: execution.startDate,
        stopDate: execution.stopDate ?? null,
        input: execution.input,
        output: execution.output ?? null,
        error: execution.error ?? null,
        cause: execution.cause ?? null,
      },
    };
    await options.bus.deliver(event);
  };

  const machineOf = (arn: string | undefined) => {
    if (arn !== options.stateMachineArn) throw new AwsJsonError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn ?? ''}'`);
  };
  const executionOf = (arn: string | undefined): Execution => {
    const execution = executions.get(arn ?? '');
    if (!execution) throw new AwsJsonError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn ?? ''}'`);
    return execution;
  };

  const start = (body: { stateMachineArn?: string; name?: string; input?: string }) => {
    machineOf(body.stateMachineArn);
    const name = body.name ?? randomUUID();
    if (!VALID_NAME.test(name)) throw new AwsJsonError('InvalidName', `Invalid Name: '${name}'`);
    const input = body.input ?? '{}';
    let parsedInput: unknown;
    try {
      parsedInput = JSON.parse(input);
    } catch {
      throw new AwsJsonError('InvalidExecutionInput', 'Invalid State Machine Execution Input: the input is not JSON');
    }
    const executionArn = `${options.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = executions.get(executionArn);
    if (existing) {
      // The same name and input as a running execution: the same answer as the first call (StartExecution).
      if (existing.status === 'RUNNING' && existing.input === input) return { executionArn, startDate: existing.startDate / 1000 };
      throw new AwsJsonError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const history = new ExecutionHistory(tasks, itemCountOf);
    history.started(input, ROLE_ARN);
    const run = machine.run(parsedInput as never, {
      overrides: overridesFor(history),
      context: { Execution: { Id: executionArn, Name: name, Input: parsedInput as never, StartTime: new Date().toISOString(), RoleArn: ROLE_ARN } },
    });
    const execution: Execution = { executionArn, stateMachineArn: options.stateMachineArn, name, status: 'RUNNING', input, startDate: Date.now(), events: history.events, done: Promise.resolve() };
    const collect = (async () => {
      for await (const event of run.eventLogs) history.add(event as unknown as RunnerEvent);
    })().catch(() => undefined);
    execution.done = (async () => {
      let outcome: Partial<Execution>;
      try {
        outcome = { status: 'SUCCEEDED', output: JSON.stringify(await run.result) };
      } catch (error) {
        const failure = ((error as { cause?: unknown }).cause ?? error) as { name?: string; message?: string; cause?: unknown };
        if (error instanceof ExecutionAbortedError) outcome = { status: 'ABORTED' };
        else if (error instanceof ExecutionTimeoutError) outcome = { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The execution ran longer than its TimeoutSeconds' };
        else outcome = { status: 'FAILED', error: failure.name, cause: typeof failure.cause === 'string' ? failure.cause : failure.message };
      }
      // The history is complete before the status says the execution ended.
      await collect;
      history.settle();
      if (outcome.status === 'TIMED_OUT') history.timedOut();
      if (outcome.status === 'ABORTED') history.aborted(execution.error, execution.cause);
      else Object.assign(execution, outcome);
      execution.stopDate ??= Date.now();
      await announce(execution);
    })();
    executions.set(executionArn, execution);
    runs.set(executionArn, { abort: run.abort, history });
    void announce(execution);
    return { executionArn, startDate: execution.startDate / 1000 };
  };

  /**
   * Stops a running execution (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StopExecution.html):
   * ABORTED, with the error and cause given. The service is silent on stopping an ended execution;
   * here that changes nothing and answers its stop date.
   */
  const stopExecution = async (body: { executionArn?: string; error?: string; cause?: string }) => {
    const execution = executionOf(body.executionArn);
    if (execution.status === 'RUNNING') {
      Object.assign(execution, { status: 'ABORTED', error: body.error, cause: body.cause, stopDate: Date.now() });
      runs.get(execution.executionArn)?.abort();
      await execution.done;
    }
    return { stopDate: seconds(execution.stopDate ?? Date.now()) };
  };

  const describe = (body: { executionArn?: string }) => {
    const execution = executionOf(body.executionArn);
    return {
      executionArn: execution.executionArn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      status: execution.status,
      input: execution.input,
      inputDetails: { included: true },
      output: execution.output,
      ...(execution.output !== undefined ? { outputDetails: { included: true } } : {}),
      error: execution.error,
      cause: execution.cause,
      startDate: seconds(execution.startDate),
      stopDate: seconds(execution.stopDate),
    };
  };

  const history = (body: { executionArn?: string; maxResults?: number; nextToken?: string; reverseOrder?: boolean; includeExecutionData?: boolean }) => {
    const execution = executionOf(body.executionArn);
    const events = body.reverseOrder ? [...execution.events].reverse() : execution.events;
    const { page, nextToken } = pageOf(events, body);
    return { events: page.map((event) => wireEvent(event, body.includeExecutionData !== false)), nextToken };
  };

  /** Newest first, as the service lists them; a token is the offset of the next page. */
  const listExecutions = (body: { stateMachineArn?: string; statusFilter?: ExecutionStatus; maxResults?: number; nextToken?: string }) => {
    if (!body.stateMachineArn) throw new AwsJsonError('ValidationException', 'Must provide a StateMachine ARN or MapRun ARN');
    machineOf(body.stateMachineArn);
    const matching = [...executions.values()].filter((execution) => !body.statusFilter || execution.status === body.statusFilter).sort((a, b) => b.startDate - a.startDate);
    const { page, nextToken } = pageOf(matching, body);
    return {
      executions: page.map((execution) => ({
        executionArn: execution.executionArn,
        stateMachineArn: execution.stateMachineArn,
        name: execution.name,
        status: execution.status,
        startDate: seconds(execution.startDate),
        stopDate: seconds(execution.stopDate),
      })),
      nextToken,
    };
  };

  const targets: Record<string, (body: Record<string, unknown>) => unknown> = {
    'AWSStepFunctions.StartExecution': start,
    'AWSStepFunctions.DescribeExecution': describe,
    'AWSStepFunctions.GetExecutionHistory': history,
    'AWSStepFunctions.ListExecutions': listExecutions,
    'AWSStepFunctions.StopExecution': stopExecution,
    'AWSStepFunctions.ListStateMachines': (body: { maxResults?: number; nextToken?: string }) => {
      const { page, nextToken } = pageOf([{ stateMachineArn: options.stateMachineArn, name: machineName, type: 'STANDARD', creationDate: seconds(creationDate) }], body);
      return { stateMachines: page, nextToken };
    },
    // As CDK deploys it: standard, logging errors without execution data, X-Ray tracing on.
    'AWSStepFunctions.DescribeStateMachine': (body: { stateMachineArn?: string }) => {
      machineOf(body.stateMachineArn);
      return {
        stateMachineArn: options.stateMachineArn,
        name: machineName,
        status: 'ACTIVE',
        definition: definitionText,
        roleArn: ROLE_ARN,
        type: 'STANDARD',
        creationDate: seconds(creationDate),
        loggingConfiguration: { level: 'ERROR', includeExecutionData: false },
        tracingConfiguration: { enabled: true },
      };
    },
    'AWSEvents.PutEvents': (body) => options.bus.putEvents(body.Entries as PutEventsEntry[] | undefined),
    'AWSEvents.ListRules': (body) => options.bus.listRules(body),
    'AWSEvents.DescribeEventBus': (body) => options.bus.describeEventBus(body),
  };

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const send = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': target.startsWith('AWSEvents') ? 'application/x-amz-json-1.1' : 'application/x-amz-json-1.0', 'x-amzn-RequestId': randomUUID() });
        response.end(JSON.stringify(body));
      };
      try {
        const operation = targets[target];
        if (!operation) throw new AwsJsonError('UnknownOperationException', `Unknown operation ${target}`);
        let body: Record<string, unknown>;
        try {
          body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
        } catch {
          throw new AwsJsonError('SerializationException', 'The request body is not valid JSON');
        }
        send(200, await operation(body));
      } catch (error) {
        if (error instanceof AwsJsonError) return send(400, { __type: error.type, message: error.message });
        send(500, { __type: 'InternalFailure', message: 'The request processing has failed because of an unknown error' });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });

  return {
    endpoint: `http://127.0.0.1:${options.port}`,
    executions: () => [...executions.values()],
    settled: async () => {
      await Promise.all([...executions.values()].map((execution) => execution.done));
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...executions.values()].map((execution) => execution.done.catch(() => undefined)));
    },
  };
}
