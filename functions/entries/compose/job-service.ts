import { config } from '../../adapters/config';
import { log } from '../../adapters/logger';
import { dynamodbDocumentClient } from '../../adapters/dynamodb/client';
import { DynamoDbJobStore } from '../../adapters/dynamodb/job-store';
import { RdsDatabaseDescriber, StsIdentityReader } from '../../adapters/rds/describer';
import { LocalDatabaseDescriber, readLocalRdsCatalog } from '../../adapters/rds/local-describer';
import { rdsClient } from '../../adapters/rds/rds-client';
import { stsClient } from '../../adapters/rds/sts-client';
import { stepFunctionsClient } from '../../adapters/step-functions/client';
import { StepFunctionsJobWorkflow } from '../../adapters/step-functions/job-workflow';
import { JobService } from '../../core/dbroles/jobs';
import type { DatabaseDescriber, IdentityReader } from '../../core/dbroles/ports';

/** RDS and STS in AWS; locally, the catalog file of the local stack. */
function describers(): { describer: DatabaseDescriber; identity: IdentityReader } {
  if (config.localRdsCatalog) {
    const local = new LocalDatabaseDescriber(readLocalRdsCatalog(config.localRdsCatalog));
    return { describer: local, identity: local };
  }
  return { describer: new RdsDatabaseDescriber(rdsClient()), identity: new StsIdentityReader(stsClient()) };
}

/**
 * The use cases that start jobs, as the two functions that start them (the HTTP API and the RDS tag
 * trigger) both need them: the job store, the describers and the workflow, nothing of the Tasks.
 */
export function composeJobService(): { jobs: JobService; store: DynamoDbJobStore } {
  const store = new DynamoDbJobStore(dynamodbDocumentClient(), config.tableName);
  const jobs = new JobService({
    ...describers(),
    store,
    workflow: new StepFunctionsJobWorkflow(stepFunctionsClient(), config.stateMachineArn),
    executionTimeoutSeconds: config.jobTimeoutSeconds,
    vaultConfigured: config.vaultAddress !== undefined,
    log,
  });
  return { jobs, store };
}
