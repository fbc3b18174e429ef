import { idempotency } from '../commons/clients/idempotency';
import { createHttpHandler } from '../commons/http/handler';
import { createJobService } from '../dbroles/wiring';

const jobs = createJobService();

/** DB role jobs: start one, list them, read one. */
export const handler = createHttpHandler('dbroles', {
  createDbRoleJob: async ({ body }, { caller }) => ({ statusCode: 202, body: await jobs.createJob(caller.orgId, body) }),
  listDbRoleJobs: async ({ query }, { caller }) => ({ statusCode: 200, body: await jobs.listJobs(caller.orgId, { pageSize: query.page_size, nextToken: query.next_token }) }),
  getDbRoleJob: async ({ params }, { caller }) => ({ statusCode: 200, body: await jobs.getJob(caller.orgId, params.id) }),
}, { idempotency });
