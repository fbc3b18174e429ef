/**
 * An execution's history as Step Functions records it (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html),
 * built from the event log of aws-local-stepfunctions, whose own types (`StateEntered`,
 * `StateRetried`, ...) are not the service's. A Task state calling a Lambda function gives
 * `TaskStateEntered`, then `LambdaFunctionScheduled`, `LambdaFunctionStarted` and
 * `LambdaFunctionSucceeded` or `LambdaFunctionFailed` for each attempt (a retry is a new
 * `LambdaFunctionScheduled`; a caught failure goes on to `TaskStateExited`), then `TaskStateExited`.
 * A Map state gives `MapStateEntered`, `MapStateStarted`, `MapIteration*` per item, then
 * `MapStateSucceeded` (or `MapStateFailed`) and `MapStateExited`. Each event names the one before it
 * in its own line of work (`previousEventId`): the execution, or one Map iteration.
 */

/** What the package's event log carries (it does not export its types). */
export interface RunnerEvent {
  type: string;
  timestamp: number;
  index?: number;
  state?: { name: string; type: string; input: unknown; output?: unknown };
  parentState?: { name: string };
  output?: unknown;
  Error?: string;
  Cause?: unknown;
}

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  /** Milliseconds since the epoch; the wire has seconds. */
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

/** What the history needs to know of a Task state: the function it calls and its timeout. */
export interface TaskResource {
  resource: string;
  timeoutInSeconds?: number;
}

const DATA = { truncated: false };
const json = (value: unknown) => JSON.stringify(value ?? null);
const causeText = (cause: unknown) => (typeof cause === 'string' ? cause : json(cause));

export class ExecutionHistory {
  readonly events: HistoryEvent[] = [];
  private readonly lastOf = new Map<string, number>();
  private readonly caught = new Set<string>();
  private readonly rawOutputs = new Map<string, unknown[]>();
  private readonly maps = new Map<string, { startedId: number; running: number; lastIterationId: number }>();
  /** Events of the execution that arrived before the Map iterations they follow had reported. */
  private held: RunnerEvent[] | undefined;
  private settling = false;

  constructor(
    private readonly tasks: Record<string, TaskResource>,
    /** The item count of a Map state for its input (its `ItemsPath`). */
    private readonly itemCountOf: (mapState: string, input: unknown) => number | undefined,
  ) {}

  started(input: string, roleArn: string): void {
    this.push('execution', 'ExecutionStarted', { executionStartedEventDetails: { input, inputDetails: DATA, roleArn } });
  }

  /** What a Task's function returned, for `LambdaFunctionSucceeded` (the state's output is after ResultPath). */
  taskReturned(state: string, input: unknown, output: unknown): void {
    const key = `${state}|${json(input)}`;
    this.rawOutputs.set(key, [...(this.rawOutputs.get(key) ?? []), output]);
  }

  aborted(error: string | undefined, cause: string | undefined): void {
    this.push('execution', 'ExecutionAborted', { executionAbortedEventDetails: { error, cause } });
  }

  timedOut(): void {
    this.push('execution', 'ExecutionTimedOut', { executionTimedOutEventDetails: { error: 'States.Timeout', cause: 'The execution ran longer than its TimeoutSeconds' } });
  }

  add(event: RunnerEvent): void {
    const nested = event.index !== undefined;
    if (this.held && !nested) {
      this.held.push(event);
      return;
    }
    const line = nested ? `iteration ${event.index}` : 'execution';
    const state = event.state;
    switch (event.type) {
      case 'ExecutionSucceeded':
        this.push(line, 'ExecutionSucceeded', { executionSucceededEventDetails: { output: json(event.output), outputDetails: DATA } });
        return;
      case 'ExecutionFailed':
        this.push(line, 'ExecutionFailed', { executionFailedEventDetails: { error: event.Error, cause: causeText(event.Cause) } });
        return;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        this.iteration(event);
        return;
      case 'StateEntered':
        if (state) this.entered(line, state);
        return;
      case 'StateExited':
        if (state && !this.exitWaits(event)) this.exited(line, state);
        return;
      case 'StateFailed':
        if (state && !this.exitWaits(event)) this.failed(line, state, event);
        return;
      case 'StateRetried':
        if (state?.type === 'Task') this.scheduled(line, state);
        return;
      case 'StateCaught':
        if (state) this.caught.add(`${line}|${state.name}`);
        return;
      default:
        // ExecutionStarted, ExecutionAborted and ExecutionTimeout are written by the runner itself,
        // with the details the package does not have.
        return;
    }
  }

  /** Writes what is still waiting, once the execution has ended. */
  settle(): void {
    this.settling = true;
    const held = this.held ?? [];
    this.held = undefined;
    for (const waiting of held) this.add(waiting);
  }

  private entered(line: string, state: NonNullable<RunnerEvent['state']>): void {
    this.push(line, `${state.type}StateEntered`, { stateEnteredEventDetails: { name: state.name, input: json(state.input), inputDetails: DATA } });
    if (state.type === 'Task') this.scheduled(line, state);
    if (state.type === 'Map') {
      const length = this.itemCountOf(state.name, state.input);
      const startedId = this.push(line, 'MapStateStarted', { mapStateStartedEventDetails: length === undefined ? {} : { length } });
      this.maps.set(state.name, { startedId, running: 0, lastIterationId: startedId });
    }
  }

  private scheduled(line: string, state: NonNullable<RunnerEvent['state']>): void {
    const task = this.tasks[state.name];
    if (!task) return;
    this.push(line, 'LambdaFunctionScheduled', {
      lambdaFunctionScheduledEventDetails: { resource: task.resource, input: json(state.input), inputDetails: DATA, ...(task.timeoutInSeconds ? { timeoutInSeconds: task.timeoutInSeconds } : {}) },
    });
    this.push(line, 'LambdaFunctionStarted', {});
  }

  private exited(line: string, state: NonNullable<RunnerEvent['state']>): void {
    const caught = this.caught.delete(`${line}|${state.name}`);
    if (state.type === 'Task' && !caught && this.tasks[state.name]) {
      const key = `${state.name}|${json(state.input)}`;
      const outputs = this.rawOutputs.get(key) ?? [];
      const output = outputs.length > 0 ? outputs.shift() : state.output;
      this.push(line, 'LambdaFunctionSucceeded', { lambdaFunctionSucceededEventDetails: { output: json(output), outputDetails: DATA } });
    }
    if (state.type === 'Map' && !caught) this.push(line, 'MapStateSucceeded', {}, this.maps.get(state.name)?.lastIterationId);
    // A Fail state has no exit event.
    if (state.type !== 'Fail') this.push(line, `${state.type}StateExited`, { stateExitedEventDetails: { name: state.name, output: json(state.output), outputDetails: DATA } });
  }

  private failed(line: string, state: NonNullable<RunnerEvent['state']>, event: RunnerEvent): void {
    const details = { error: event.Error, cause: causeText(event.Cause) };
    if (state.type === 'Task' && this.tasks[state.name]) {
      if (event.Error === 'States.Timeout') this.push(line, 'LambdaFunctionTimedOut', { lambdaFunctionTimedOutEventDetails: details });
      else this.push(line, 'LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: details });
    }
    if (state.type === 'Map') this.push(line, 'MapStateFailed', {}, this.maps.get(state.name)?.lastIterationId);
  }

  private iteration(event: RunnerEvent): void {
    const name = event.parentState?.name ?? '';
    const map = this.maps.get(name);
    const line = `iteration ${event.index}`;
    const details = { name, index: event.index };
    if (event.type === 'MapIterationStarted') {
      if (map) map.running++;
      this.push(line, 'MapIterationStarted', { mapIterationStartedEventDetails: details }, map?.startedId);
      return;
    }
    const key = event.type === 'MapIterationSucceeded' ? 'mapIterationSucceededEventDetails' : 'mapIterationFailedEventDetails';
    const id = this.push(line, event.type, { [key]: details });
    if (!map) return;
    map.running--;
    map.lastIterationId = id;
    if (map.running === 0 && this.held) {
      const held = this.held;
      this.held = undefined;
      for (const waiting of held) this.add(waiting);
    }
  }

  /**
   * The package forwards a Map's iteration events asynchronously: the Map's own end can arrive before
   * its last iterations' ends. It waits for them, and so does everything after it.
   */
  private exitWaits(event: RunnerEvent): boolean {
    // A failed Map's other iterations are aborted and never end: nothing waits for them.
    if (this.settling || event.type !== 'StateExited' || event.state?.type !== 'Map' || event.index !== undefined) return false;
    if (this.caught.has(`execution|${event.state.name}`) || (this.maps.get(event.state.name)?.running ?? 0) === 0) return false;
    this.held = [event];
    return true;
  }

  private push(line: string, type: string, details: Record<string, unknown>, previous?: number): number {
    const id = this.events.length + 1;
    this.events.push({ id, previousEventId: previous ?? this.lastOf.get(line) ?? this.lastOf.get('execution') ?? 0, timestamp: Date.now(), type, ...details });
    this.lastOf.set(line, id);
    return id;
  }
}
