import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import type { EventEnvelope, LocalEventBus } from './eventbridge';

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

/** One entry of an execution's event log (the package does not export its type). */
type EventLog = { type: string; timestamp: number } & Record<string, unknown>;

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

interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: number;
  stopDate?: number;
  events: EventLog[];
  done: Promise<void>;
}

export interface LocalWorkflows {
  endpoint: string;
  executions(): Execution[];
  /** Resolves when every execution started so far has ended. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** Task states (at any depth) whose Resource is a `${Substitution}`, by state name. */
function taskStates(states: Record<string, unknown>, found: Record<string, string> = {}): Record<string, string> {
  for (const [name, state] of Object.entries(states)) {
    const fields = state as { Type?: string; Resource?: string; ItemProcessor?: { States: Record<string, unknown> }; Iterator?: { States: Record<string, unknown> } };
    const substitution = /^\$\{(\w+)\}$/.exec(fields.Resource ?? '')?.[1];
    if (fields.Type === 'Task' && substitution) found[name] = substitution;
    const inner = fields.ItemProcessor?.States ?? fields.Iterator?.States;
    if (inner) taskStates(inner, found);
  }
  return found;
}

/**
 * Step Functions locally: runs the deployed ASL document with aws-local-stepfunctions, its Lambda
 * Tasks answered by the same handler modules in process. It speaks the awsJson1_0 protocol of
 * `@aws-sdk/client-sfn` (StartExecution, DescribeExecution, GetExecutionHistory) and, on the same
 * endpoint, EventBridge's PutEvents (awsJson1_1), so production code keeps its SDK clients. An
 * execution that fails or times out is announced on the bus as AWS does ("Execution Status Change").
 */
export async function startLocalWorkflows(options: LocalWorkflowOptions): Promise<LocalWorkflows> {
  const { StateMachine, ExecutionTimeoutError } = await import('aws-local-stepfunctions');
  const source = readFileSync(options.definitionFile, 'utf8');
  const definition = JSON.parse(source.replace(/\$\{(\w+)\}/g, (_, name: string) => `arn:aws:lambda:us-east-1:000000000000:function:local-${name}`)) as StateMachineDefinition;
  const tasks = taskStates(JSON.parse(source).States as Record<string, unknown>);
  for (const substitution of new Set(Object.values(tasks))) {
    if (!options.functions[substitution]) throw new Error(`no local function for ${substitution}`);
  }
  const machine = new StateMachine(definition, { validationOptions: { checkArn: true } });
  const executions = new Map<string, Execution>();

  const overrides = {
    taskResourceLocalHandlers: Object.fromEntries(
      Object.entries(tasks).map(([state, substitution]) => [state, (input: unknown) => (options.functions[substitution] as TaskHandler)(input) as never]),
    ),
    ...(options.retryIntervalMs !== undefined ? { retryIntervalOverrides: Object.fromEntries(Object.keys(tasks).map((state) => [state, options.retryIntervalMs as number])) } : {}),
  };

  const announce = async (execution: Execution) => {
    const event: EventEnvelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: '000000000000',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [execution.executionArn],
      detail: { executionArn: execution.executionArn, stateMachineArn: execution.stateMachineArn, name: execution.name, status: execution.status, input: execution.input },
    };
    await options.bus.deliver(event);
  };

  const start = (body: { stateMachineArn?: string; name?: string; input?: string }) => {
    if (body.stateMachineArn !== options.stateMachineArn) throw new AwsJsonError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${body.stateMachineArn ?? ''}'`);
    const name = body.name ?? randomUUID();
    const executionArn = `${options.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    if (executions.has(executionArn)) throw new AwsJsonError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    const input = body.input ?? '{}';
    const run = machine.run(JSON.parse(input), { overrides, context: { Execution: { Id: executionArn, Name: name, Input: JSON.parse(input), StartTime: new Date().toISOString() } } });
    const execution: Execution = { executionArn, stateMachineArn: options.stateMachineArn, name, status: 'RUNNING', input, startDate: Date.now(), events: [], done: Promise.resolve() };
    const collect = (async () => {
      for await (const event of run.eventLogs) execution.events.push(event as unknown as EventLog);
    })().catch(() => undefined);
    execution.done = run.result
      .then((output) => {
        execution.status = 'SUCCEEDED';
        execution.output = JSON.stringify(output);
      })
      .catch(async (error: unknown) => {
        execution.status = error instanceof ExecutionTimeoutError ? 'TIMED_OUT' : 'FAILED';
        execution.error = execution.status === 'TIMED_OUT' ? 'States.Timeout' : ((error as { cause?: { name?: string } }).cause?.name ?? (error as Error).name);
        execution.cause = (error as Error).message;
        await announce(execution);
      })
      .finally(async () => {
        execution.stopDate = Date.now();
        await collect;
      });
    executions.set(executionArn, execution);
    return { executionArn, startDate: execution.startDate / 1000 };
  };

  const describe = (body: { executionArn?: string }) => {
    const execution = executions.get(body.executionArn ?? '');
    if (!execution) throw new AwsJsonError('ExecutionDoesNotExist', `Execution Does Not Exist: '${body.executionArn ?? ''}'`);
    return {
      executionArn: execution.executionArn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      status: execution.status,
      input: execution.input,
      output: execution.output,
      error: execution.error,
      cause: execution.cause,
      startDate: execution.startDate / 1000,
      stopDate: execution.stopDate ? execution.stopDate / 1000 : undefined,
    };
  };

  const history = (body: { executionArn?: string }) => {
    const execution = executions.get(body.executionArn ?? '');
    if (!execution) throw new AwsJsonError('ExecutionDoesNotExist', `Execution Does Not Exist: '${body.executionArn ?? ''}'`);
    return {
      events: execution.events.map((event, index) => ({ id: index + 1, timestamp: event.timestamp / 1000, type: event.type, details: JSON.stringify(event) })),
    };
  };

  const targets: Record<string, (body: Record<string, unknown>) => unknown> = {
    'AWSStepFunctions.StartExecution': start,
    'AWSStepFunctions.DescribeExecution': describe,
    'AWSStepFunctions.GetExecutionHistory': history,
    'AWSEvents.PutEvents': async (body) => {
      const entries = (body.Entries as { Source?: string; DetailType?: string; Detail?: string; Resources?: string[] }[] | undefined) ?? [];
      const ids = await Promise.all(entries.map((entry) => options.bus.put(entry)));
      return { FailedEntryCount: 0, Entries: ids.map((EventId) => ({ EventId })) };
    },
  };

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const contentType = target.startsWith('AWSEvents') ? 'application/x-amz-json-1.1' : 'application/x-amz-json-1.0';
      try {
        const operation = targets[target];
        if (!operation) throw new AwsJsonError('UnknownOperationException', `Unknown operation ${target}`);
        const answer = await operation(chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {});
        response.writeHead(200, { 'content-type': contentType });
        response.end(JSON.stringify(answer));
      } catch (error) {
        const type = error instanceof AwsJsonError ? error.type : 'InternalFailure';
        response.writeHead(400, { 'content-type': contentType });
        response.end(JSON.stringify({ __type: type, message: (error as Error).message }));
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
