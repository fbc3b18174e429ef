import { config } from '../../adapters/config';
import { log } from '../../adapters/logger';
import { dynamodbDocumentClient } from '../../adapters/dynamodb/client';
import { DynamoDbJobStore } from '../../adapters/dynamodb/job-store';
import { onDemand } from '../../adapters/on-demand';
import { JobService } from '../../core/dbroles/jobs';
import type { DatabaseDescriber, IdentityReader, JobWorkflow } from '../../core/dbroles/ports';

type Describers = { describer: DatabaseDescriber; identity: IdentityReader };

/**
 * RDS and STS in AWS; locally, the catalog file of the local stack. Only starting a job describes a
 * database, so their modules (the RDS client is most of them) are loaded by the first job a
 * container starts, never by one that only lists and reads jobs.
 */
function describers(): Describers {
  const catalog = config.localRdsCatalog;
  const load = onDemand(
    (): Promise<Describers> =>
      catalog
        ? import('../../adapters/rds/local-describer').then(({ LocalDatabaseDescriber, readLocalRdsCatalog }) => {
            const local = new LocalDatabaseDescriber(readLocalRdsCatalog(catalog));
            return { describer: local, identity: local };
          })
        : import('../../adapters/rds/aws-describers').then(({ awsDescribers }) => awsDescribers()),
  );
  return {
    describer: { describe: async (arn) => (await load()).describer.describe(arn) },
    identity: { accountArn: async () => (await load()).identity.accountArn() },
  };
}

/** Step Functions, which only starting a job (and taking over a dead job's lock) calls: loaded by the first job a container starts. */
function workflowOnDemand(): JobWorkflow {
  const load = onDemand(() =>
    Promise.all([import('../../adapters/step-functions/client'), import('../../adapters/step-functions/job-workflow')]).then(
      ([{ stepFunctionsClient }, { StepFunctionsJobWorkflow }]) => new StepFunctionsJobWorkflow(stepFunctionsClient(), config.stateMachineArn),
    ),
  );
  return {
    start: async (target) => (await load()).start(target),
    executionState: async (jobId) => (await load()).executionState(jobId),
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
    workflow: workflowOnDemand(),
    executionTimeoutSeconds: config.jobTimeoutSeconds,
    vaultConfigured: config.vaultAddress !== undefined,
    log,
  });
  return { jobs, store };
}
