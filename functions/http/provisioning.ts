import { rdsData } from '../commons/clients/rds-data';
import { dynamodb } from '../commons/clients/dynamodb';
import { config } from '../commons/config';
import { idempotency } from '../commons/clients/idempotency';
import { createHttpHandler } from '../commons/http/handler';
import { storeProvisionedCredentials } from '../provisioning/credentials';
import { ProvisioningService } from '../provisioning/service';
import { DataApiSqlPort } from '../provisioning/sql/data-api';
import { ResourceService } from '../resources/service';
import { ResourceStore } from '../resources/store';
import { SessionStore } from '../sessions/store';

const resourceStore = new ResourceStore(dynamodb, config.tableName);
const sessions = new SessionStore(dynamodb, config.tableName);
const resources = new ResourceService(resourceStore, sessions);
const service = new ProvisioningService({
  getResource: (orgId, name) => resourceStore.getResource(orgId, name),
  sessions,
  sqlFor: (target) => new DataApiSqlPort(rdsData, { resourceArn: target.clusterArn, secretArn: target.secretArn }),
  storeCredentials: storeProvisionedCredentials(resources),
  planTtlSeconds: config.planTtlSeconds,
});

/** Plan and apply of PostgreSQL roles, single and batch. */
export const handler = createHttpHandler('provisioning', {
  planResourceRole: async ({ params, body }, { caller }) => ({ statusCode: 200, body: await service.plan(caller, params.name, body) }),
  planResourceRoles: async ({ body }, { caller }) => ({ statusCode: 200, body: { results: await service.planBatch(caller, body.items) } }),
  applyResourcePlan: async ({ params, body }, { caller }) => ({ statusCode: 200, body: await service.apply(caller, params.name, body.sid) }),
  applyResourcePlans: async ({ body }, { caller }) => ({ statusCode: 200, body: { results: await service.applyBatch(caller, body.items) } }),
}, { idempotency });
