import type { Handler } from 'aws-lambda';
import { config } from '../adapters/config';
import { log } from '../adapters/logger';
import { dynamodbDocumentClient } from '../adapters/dynamodb/client';
import { DynamoDbJobStore } from '../adapters/dynamodb/job-store';
import { HttpVaultWriter } from '../adapters/vault';
import { cachedAtColdStart } from '../adapters/cached-at-cold-start';
import { onDemand } from '../adapters/on-demand';
import type { JobTarget } from '../core/dbroles/model';
import type { ServiceCredentialsStore, VaultKv2Writer } from '../core/dbroles/ports';
import type { SqlParameters, SqlPort } from '../core/postgres/sql-port';
import { jobCredentialsWriter } from '../core/dbroles/credentials';
import { jobEngineFor } from '../core/dbroles/engines';
import {
  type FinishInput,
  type GrantFailureInput,
  type GrantTaskInput,
  type JobInput,
  type JobRoleFailureInput,
  type JobRoleTaskInput,
  jobTasks,
  type TargetTaskInput,
} from '../core/dbroles/tasks';

/**
 * The Task functions of the DB role job workflow: one bundle, one exported handler per Task, as the
 * ASL's substitutions name them (infra/handlers.ts). They share the job store and are deployed
 * and versioned together with the state machine; what only some of them use is loaded or built on its
 * first call (the Data API client in the Tasks that reach the cluster; the resources use cases, the
 * Encryption SDK and Secrets Manager in loginRole; EventBridge in finishJob), so the others never load it.
 */
const store = new DynamoDbJobStore(dynamodbDocumentClient(), config.tableName);
// Only loginRole stores credentials: the resources use cases and their stores load with its first call.
const resourcesOnDemand = onDemand(() => import('./compose/credentials-store').then(({ credentialsStore }) => credentialsStore()));
const resources: ServiceCredentialsStore = { upsertServiceConnections: async (...args) => (await resourcesOnDemand()).upsertServiceConnections(...args) };

/** Vault's token: in AWS from Secrets Manager (read at cold start, kept), never a plain environment variable; locally VAULT_TOKEN. */
function vaultWriter(address: string, tokenSecretArn: string | undefined): VaultKv2Writer {
  const token = tokenSecretArn
    ? cachedAtColdStart(() => import('../adapters/secrets-manager/secret-string').then(({ readSecretString, secretsManagerClient }) => readSecretString(secretsManagerClient(), tokenSecretArn)))
    : async () => config.vaultToken ?? '';
  return { writeKv2: async (path, data) => new HttpVaultWriter(address, await token()).writeKv2(path, data) };
}
const vault = config.vaultAddress ? vaultWriter(config.vaultAddress, config.vaultTokenSecretArn) : undefined;

/** The Data API client and executor: the four Tasks that reach a cluster load them with their first call, the other three never. */
const dataApi = onDemand(() => Promise.all([import('../adapters/data-api/client'), import('../adapters/data-api/sql-executor')]));

/** The cluster of a job through the Data API. The Task retries a few times itself; longer outages are the workflow's Retry (with backoff). */
function clusterPort(target: JobTarget): SqlPort {
  const port = onDemand(async () => {
    const [{ rdsDataClient }, { DataApiSqlPort }] = await dataApi();
    return new DataApiSqlPort(rdsDataClient(), { resourceArn: target.cluster_arn, secretArn: target.secret_arn }, { attempts: 3, baseDelayMs: 200, maxDelayMs: 2_000 });
  });
  return {
    query: async <Row extends Record<string, unknown>>(database: string, sql: string, parameters?: SqlParameters) => (await port()).query<Row>(database, sql, parameters),
    begin: async (database) => (await port()).begin(database),
  };
}

const jobEvents = onDemand(() =>
  Promise.all([import('../adapters/eventbridge/client'), import('../adapters/eventbridge/publisher')]).then(
    ([{ eventBridgeClient }, { EventBridgeJobEvents }]) => new EventBridgeJobEvents(eventBridgeClient(), config.eventBusName),
  ),
);

const tasks = jobTasks({
  store,
  engineFor: (target) => jobEngineFor(target.engine, clusterPort(target)),
  storeCredentials: jobCredentialsWriter(resources, vault),
  // The EventBridge client is loaded and built by the first finished job that publishes, never by the other Tasks.
  events: { publish: async (event) => (await jobEvents()).publish(event) },
  log,
});

export const listTargets: Handler<JobInput> = (input) => tasks.listTargets(input);
export const inspectTarget: Handler<TargetTaskInput> = (input) => tasks.inspectTarget(input);
export const loginRole: Handler<JobRoleTaskInput> = (input) => tasks.loginRole(input);
export const recordRoleFailure: Handler<JobRoleFailureInput> = (input) => tasks.recordRoleFailure(input);
export const grantTarget: Handler<GrantTaskInput> = (input) => tasks.grantTarget(input);
export const recordGrantFailure: Handler<GrantFailureInput> = (input) => tasks.recordGrantFailure(input);
export const finishJob: Handler<FinishInput> = (input) => tasks.finishJob(input);
