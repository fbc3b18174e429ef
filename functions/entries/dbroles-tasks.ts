import type { Handler } from 'aws-lambda';
import { config } from '../adapters/config';
import { log } from '../adapters/logger';
import { rdsDataClient } from '../adapters/data-api/client';
import { DataApiSqlPort } from '../adapters/data-api/sql-executor';
import { dynamodbDocumentClient } from '../adapters/dynamodb/client';
import { DynamoDbJobStore } from '../adapters/dynamodb/job-store';
import { ResourceStore } from '../adapters/dynamodb/resource-store';
import { SessionStore } from '../adapters/dynamodb/session-store';
import { HttpVaultWriter } from '../adapters/vault';
import { secretSealer } from '../adapters/crypto/secret-sealer';
import { cachedAtColdStart } from '../adapters/cached-at-cold-start';
import { onDemand } from '../adapters/on-demand';
import type { VaultKv2Writer } from '../core/dbroles/ports';
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
import { ResourceService } from '../core/resources/use-cases';

/**
 * The Task functions of the DB role job workflow: one bundle, one exported handler per Task, as the
 * ASL's substitutions name them (infra/handlers.ts). The three share the job store and are deployed
 * and versioned together with the state machine; what only one of them uses is loaded or built on its
 * first call (the Data API client in the Tasks that reach the cluster; the Encryption SDK, Secrets
 * Manager and Vault in loginRole; EventBridge in finishJob), so the others never load it.
 */
const store = new DynamoDbJobStore(dynamodbDocumentClient(), config.tableName);
const resources = new ResourceService(new ResourceStore(dynamodbDocumentClient(), config.tableName), new SessionStore(dynamodbDocumentClient(), config.tableName), secretSealer(config));

/** Vault's token: in AWS from Secrets Manager (read at cold start, kept), never a plain environment variable; locally VAULT_TOKEN. */
function vaultWriter(address: string, tokenSecretArn: string | undefined): VaultKv2Writer {
  const token = tokenSecretArn
    ? cachedAtColdStart(() => import('../adapters/secrets-manager/secret-string').then(({ readSecretString, secretsManagerClient }) => readSecretString(secretsManagerClient(), tokenSecretArn)))
    : async () => config.vaultToken ?? '';
  return { writeKv2: async (path, data) => new HttpVaultWriter(address, await token()).writeKv2(path, data) };
}
const vault = config.vaultAddress ? vaultWriter(config.vaultAddress, config.vaultTokenSecretArn) : undefined;

const jobEvents = onDemand(() =>
  Promise.all([import('../adapters/eventbridge/client'), import('../adapters/eventbridge/publisher')]).then(
    ([{ eventBridgeClient }, { EventBridgeJobEvents }]) => new EventBridgeJobEvents(eventBridgeClient(), config.eventBusName),
  ),
);

const tasks = jobTasks({
  store,
  // The task retries a few times itself; longer outages are the workflow's Retry (with backoff).
  engineFor: (target) =>
    jobEngineFor(target.engine, new DataApiSqlPort(rdsDataClient(), { resourceArn: target.cluster_arn, secretArn: target.secret_arn }, { attempts: 3, baseDelayMs: 200, maxDelayMs: 2_000 })),
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
