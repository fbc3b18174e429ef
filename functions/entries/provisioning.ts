import { rdsDataClient } from '../adapters/data-api/client';
import { dynamodbDocumentClient } from '../adapters/dynamodb/client';
import { config } from '../adapters/config';
import { log } from '../adapters/logger';
import { idempotency } from '../adapters/dynamodb/idempotency-client';
import { createHttpHandler } from '../http/handler';
import { provisioningRequests } from '../http/schemas/provisioning';
import { storeProvisionedCredentials } from '../core/plans/credentials';
import { sqlClusterAccess } from '../core/plans/sql-cluster';
import { PlanService } from '../core/plans/use-cases';
import { DataApiSqlPort } from '../adapters/data-api/sql-executor';
import { ResourceService } from '../core/resources/use-cases';
import { ResourceStore } from '../adapters/dynamodb/resource-store';
import { PlanStore } from '../adapters/dynamodb/plan-store';
import { SessionStore } from '../adapters/dynamodb/session-store';
import { secretSealer } from '../adapters/crypto/secret-sealer';

const resourceStore = new ResourceStore(dynamodbDocumentClient(), config.tableName);
const sessions = new SessionStore(dynamodbDocumentClient(), config.tableName);
const service = new PlanService({
  resources: resourceStore,
  plans: new PlanStore(dynamodbDocumentClient(), config.tableName),
  sessions,
  clusterFor: (target) => sqlClusterAccess(new DataApiSqlPort(rdsDataClient(), { resourceArn: target.clusterArn, secretArn: target.secretArn })),
  storeCredentials: storeProvisionedCredentials(new ResourceService(resourceStore, sessions, secretSealer(config))),
  planTtlSeconds: config.planTtlSeconds,
  log,
});

/** Plan and apply of PostgreSQL roles, single and batch. */
export const handler = createHttpHandler(provisioningRequests, {
  planResourceRole: async ({ params, body }, { caller }) => ({ statusCode: 200, body: await service.plan(caller, params.name, body) }),
  planResourceRoles: async ({ body }, { caller }) => ({ statusCode: 200, body: { results: await service.planBatch(caller, body.items) } }),
  applyResourcePlan: async ({ params, body }, { caller }) => ({ statusCode: 200, body: await service.apply(caller, params.name, body.sid) }),
  applyResourcePlans: async ({ body }, { caller }) => ({ statusCode: 200, body: { results: await service.applyBatch(caller, body.items) } }),
}, { idempotency });
