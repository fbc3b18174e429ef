import { randomUUID } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { LocalRdsCatalog } from '../../functions/adapters/rds/local-describer';
import { executionEndedPattern, tagChangePattern } from '../../functions/adapters/eventbridge/rules';
import { DBROLES_EXECUTION_ENDED_ENTRY, DBROLES_STATE_MACHINE, DBROLES_TASK_FUNCTIONS, DBROLES_TASKS_ENTRY, TAG_TRIGGER_ENTRY } from '../handlers';
import { type EventEnvelope, LocalEventBus } from './eventbridge';
import { invokeLocally, lambdaContext } from './lambda-runtime';
import { type LocalWorkflows, startLocalWorkflows, type TaskHandler } from './step-functions';

export const LOCAL_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:local-dbroles';
export const LOCAL_TAG = { key: 'hoop.dev/provision-roles', value: 'true' };

/** A local "Aurora cluster": a PostgreSQL (or MySQL) server and the master secret the Data API logs in with. */
export interface LocalClusterEntry {
  /** `aurora-postgresql` unless said otherwise. */
  engine?: 'aurora-postgresql' | 'aurora-mysql';
  arn: string;
  id: string;
  secretArn: string;
  port: number;
  /** The cluster's initial database (RDS `DatabaseName`). */
  databaseName: string;
}

/**
 * What RDS would say about the local clusters (each with an instance `<id>-instance-1`), and a few
 * databases to try the refusals on, as a JSON file: `LOCAL_RDS_CATALOG` names it, and a handler reads
 * it again when asked for an ARN it does not know, since clusters are added while the stack runs.
 */
export class LocalRdsCatalogFile {
  private readonly catalog: LocalRdsCatalog;

  constructor(
    readonly path: string,
    private readonly place: { account: string; region: string },
  ) {
    this.catalog = {
      account_arn: `arn:aws:iam::${place.account}:user/local`,
      clusters: [
        // A cluster whose master password RDS does not manage: the Data API has no secret to log in with.
        { arn: this.arn('cluster', 'local-aurora-unmanaged'), id: 'local-aurora-unmanaged', engine: 'aurora-postgresql', databaseName: '', endpoint: '127.0.0.1', port: 5432, tags: [], masterSecretArn: null, httpEndpointEnabled: true },
      ],
      instances: [{ arn: this.arn('db', 'local-postgres-standalone'), id: 'local-postgres-standalone', engine: 'postgres', cluster_id: null }],
    };
  }

  /** The ARN of the instance of a local cluster. */
  instanceArn(clusterId: string): string {
    return this.arn('db', `${clusterId}-instance-1`);
  }

  add(cluster: LocalClusterEntry): void {
    const engine = cluster.engine ?? 'aurora-postgresql';
    this.catalog.clusters.push({
      arn: cluster.arn,
      id: cluster.id,
      engine,
      databaseName: cluster.databaseName,
      endpoint: '127.0.0.1',
      port: cluster.port,
      tags: [{ key: 'env', value: 'local' }],
      masterSecretArn: cluster.secretArn,
      httpEndpointEnabled: true,
    });
    this.catalog.instances.push({ arn: this.instanceArn(cluster.id), id: `${cluster.id}-instance-1`, engine, cluster_id: cluster.id });
    // Written whole, then renamed: a reader never sees half a file.
    writeFileSync(`${this.path}.tmp`, JSON.stringify(this.catalog));
    renameSync(`${this.path}.tmp`, this.path);
  }

  private arn(kind: string, id: string): string {
    return `arn:aws:rds:${this.place.region}:${this.place.account}:${kind}:${id}`;
  }
}

type Module = Record<string, unknown>;

/**
 * The DB role job workflow and the event bus locally, calling the same handler modules that Lambda
 * runs. Import only after the environment of the handlers is set (they read it when they load).
 */
export async function startJobWorkflows(options: { port: number; retryIntervalMs?: number }): Promise<{ workflows: LocalWorkflows; bus: LocalEventBus }> {
  const tasks = (await import(pathToFileURL(DBROLES_TASKS_ENTRY).href)) as Module;
  const ended = (await import(pathToFileURL(DBROLES_EXECUTION_ENDED_ENTRY).href)) as Module;
  const trigger = (await import(pathToFileURL(TAG_TRIGGER_ENTRY).href)) as Module;
  // Each call is one Lambda invocation, with its own request id and log scope.
  const call = (module: Module, name: string) => (input: unknown) =>
    invokeLocally(module[name] as (event: unknown, context: Context) => Promise<unknown>, input, lambdaContext(`local-${name}`, randomUUID(), 300_000));
  const bus = new LocalEventBus([
    { name: 'provision-on-tag', pattern: tagChangePattern(LOCAL_TAG.key, LOCAL_TAG.value), target: (event: EventEnvelope) => call(trigger, 'handler')(event) },
    { name: 'dbroles-execution-ended', pattern: executionEndedPattern(LOCAL_STATE_MACHINE_ARN), target: (event: EventEnvelope) => call(ended, 'executionEnded')(event) },
  ]);
  const functions: Record<string, TaskHandler> = Object.fromEntries(Object.entries(DBROLES_TASK_FUNCTIONS).map(([substitution, name]) => [substitution, call(tasks, name)]));
  const workflows = await startLocalWorkflows({
    port: options.port,
    definitionFile: DBROLES_STATE_MACHINE,
    stateMachineArn: LOCAL_STATE_MACHINE_ARN,
    functions,
    bus,
    retryIntervalMs: options.retryIntervalMs,
  });
  return { workflows, bus };
}
