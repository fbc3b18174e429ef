import { config } from '../../adapters/config';
import { log } from '../../adapters/logger';
import { dynamodbDocumentClient } from '../../adapters/dynamodb/client';
import { DynamoDbJobStore } from '../../adapters/dynamodb/job-store';
import { stepFunctionsClient } from '../../adapters/step-functions/client';
import { StepFunctionsJobWorkflow } from '../../adapters/step-functions/job-workflow';
import { JobService } from '../../core/dbroles/jobs';
import type { DatabaseDescriber, IdentityReader } from '../../core/dbroles/ports';

type Describers = { describer: DatabaseDescriber; identity: IdentityReader };

/**
 * RDS and STS in AWS; locally, the catalog file of the local stack. Only starting a job describes a
 * database, so their modules (the RDS client is most of them) are loaded by the first job a
 * container starts, never by one that only lists and reads jobs.
 */
function describers(): Describers {
  let loaded: Promise<Describers> | undefined;
  const load = (): Promise<Describers> => {
    const catalog = config.localRdsCatalog;
    loaded ??= catalog
      ? import('../../adapters/rds/local-describer').then(({ LocalDatabaseDescriber, readLocalRdsCatalog }) => {
          const local = new LocalDatabaseDescriber(readLocalRdsCatalog(catalog));
          return { describer: local, identity: local };
        })
      : import('../../adapters/rds/aws-describers').then(({ awsDescribers }) => awsDescribers());
    return loaded;
  };
  return {
    describer: { describe: async (arn) => (await load()).describer.describe(arn) },
    identity: { accountArn: async () => (await load()).identity.accountArn() },
  };
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
