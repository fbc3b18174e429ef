import { dynamodb } from '../../adapters/dynamodb/client';
import { eventBridge, rds, stepFunctions, sts } from '../../adapters/clients';
import { rdsData } from '../../adapters/data-api/client';
import { config } from '../../adapters/config';
import { log } from '../../adapters/logger';
import { EventBridgeJobEvents } from '../../adapters/eventbridge/publisher';
import { DataApiSqlPort } from '../../adapters/data-api/sql-executor';
import { ResourceService } from '../../core/resources/use-cases';
import { ResourceStore } from '../../adapters/dynamodb/resource-store';
import { SessionStore } from '../../adapters/dynamodb/session-store';
import { jobCredentialsWriter } from '../../core/dbroles/credentials';
import { RdsDatabaseDescriber, StsIdentityReader } from '../../adapters/rds/describer';
import { LocalDatabaseDescriber, readLocalRdsCatalog } from '../../adapters/rds/local-describer';
import type { DatabaseDescriber, IdentityReader } from '../../core/dbroles/ports';
import { JobService } from '../../core/dbroles/jobs';
import { DynamoDbJobStore } from '../../adapters/dynamodb/job-store';
import { jobTasks } from '../../core/dbroles/tasks';
import { executionEndedTask } from '../../core/dbroles/execution-ended';
import { HttpVaultWriter } from '../../adapters/vault';
import { StepFunctionsJobWorkflow } from '../../adapters/step-functions/job-workflow';

/** The adapters of the DB role jobs feature, built once per Lambda container from the configuration. */
export const jobStore = new DynamoDbJobStore(dynamodb, config.tableName);

function describers(): { describer: DatabaseDescriber; identity: IdentityReader } {
  if (config.localRdsCatalog) {
    const local = new LocalDatabaseDescriber(readLocalRdsCatalog(config.localRdsCatalog));
    return { describer: local, identity: local };
  }
  return { describer: new RdsDatabaseDescriber(rds), identity: new StsIdentityReader(sts) };
}

export function createJobService(): JobService {
  return new JobService({
    ...describers(),
    store: jobStore,
    workflow: new StepFunctionsJobWorkflow(stepFunctions, config.stateMachineArn),
    executionTimeoutSeconds: config.jobTimeoutSeconds,
    vaultConfigured: config.vaultAddress !== undefined,
    log,
  });
}

export function createJobTasks() {
  const resources = new ResourceService(new ResourceStore(dynamodb, config.tableName), new SessionStore(dynamodb, config.tableName));
  const vault = config.vaultAddress ? new HttpVaultWriter(config.vaultAddress, config.vaultToken ?? '') : undefined;
  return {
    ...jobTasks({
      store: jobStore,
      // The task retries a few times itself; longer outages are the workflow's Retry (with backoff).
      sqlFor: (target) => new DataApiSqlPort(rdsData, { resourceArn: target.cluster_arn, secretArn: target.secret_arn }, { attempts: 3, baseDelayMs: 200, maxDelayMs: 2_000 }),
      storeCredentials: jobCredentialsWriter(resources, vault),
      events: new EventBridgeJobEvents(eventBridge, config.eventBusName),
      log,
    }),
    executionEnded: executionEndedTask({ store: jobStore }),
  };
}
