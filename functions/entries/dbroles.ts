import { idempotency } from '../adapters/dynamodb/idempotency-client';
import { createHttpHandler } from '../http/handler';
import { dbRoleRequests } from '../http/schemas/dbroles';
import { composeJobService } from './compose/job-service';

const { jobs } = composeJobService();

/** DB role jobs: start one, list them, read one. */
export const handler = createHttpHandler(dbRoleRequests, {
  createDbRoleJob: async ({ body }, { caller }) => ({ statusCode: 202, body: await jobs.createJob(caller.orgId, body) }),
  listDbRoleJobs: async ({ query }, { caller }) => ({ statusCode: 200, body: await jobs.listJobs(caller.orgId, { pageSize: query.page_size, nextToken: query.next_token }) }),
  getDbRoleJob: async ({ params }, { caller }) => ({ statusCode: 200, body: await jobs.getJob(caller.orgId, params.id) }),
}, { idempotency });
