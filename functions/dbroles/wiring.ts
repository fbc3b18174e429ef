import { readFileSync } from 'node:fs';
import { dynamodb } from '../commons/clients/dynamodb';
import { eventBridge, rds, stepFunctions, sts } from '../commons/clients/aws';
import { rdsData } from '../commons/clients/rds-data';
import { config } from '../commons/config';
import { publishEvent, JOB_FINISHED } from '../events/publisher';
import { DataApiSqlPort } from '../provisioning/sql/data-api';
import { ResourceService } from '../resources/service';
import { ResourceStore } from '../resources/store';
import { SessionStore } from '../sessions/store';
import { jobCredentialsWriter } from './credentials';
import { type DatabaseDescriber, type IdentityReader, LocalDatabaseDescriber, type LocalRdsCatalog, RdsDatabaseDescriber, StsIdentityReader } from './describe';
import { JobService } from './service';
import { JobStore } from './store';
import { jobTasks } from './tasks';
import { HttpVaultWriter } from './vault';
import { StepFunctionsJobWorkflow } from './workflow';

/** The adapters of the DB role jobs feature, built once per Lambda container from the configuration. */
export const jobStore = new JobStore(dynamodb, config.tableName);

function describers(): { describer: DatabaseDescriber; identity: IdentityReader } {
  if (config.localRdsCatalog) {
    const file = config.localRdsCatalog;
    const local = new LocalDatabaseDescriber(() => JSON.parse(readFileSync(file, 'utf8')) as LocalRdsCatalog);
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
  });
}

export function createJobTasks() {
  const resources = new ResourceService(new ResourceStore(dynamodb, config.tableName), new SessionStore(dynamodb, config.tableName));
  const vault = config.vaultAddress ? new HttpVaultWriter(config.vaultAddress, config.vaultToken ?? '') : undefined;
  const storeCredentials = jobCredentialsWriter(resources, vault);
  return jobTasks({
    store: jobStore,
    // The task retries a few times itself; longer outages are the workflow's Retry (with backoff).
    provisioning: (target) => ({
      sql: new DataApiSqlPort(rdsData, { resourceArn: target.cluster_arn, secretArn: target.secret_arn }, { attempts: 3, baseDelayMs: 200, maxDelayMs: 2_000 }),
      storeCredentials,
    }),
    publish: (detail) => publishEvent(eventBridge, config.eventBusName, JOB_FINISHED, detail),
  });
}
