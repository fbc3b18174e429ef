import { dynamodbDocumentClient } from '../adapters/dynamodb/client';
import { config } from '../adapters/config';
import { NotFoundError } from '../core/errors';
import { createHttpHandler } from '../http/handler';
import { SessionStore } from '../adapters/dynamodb/session-store';

const sessions = new SessionStore(dynamodbDocumentClient(), config.tableName);

/** The audit trail: plans, applies and reveals of credentials, for admins and auditors. */
export const handler = createHttpHandler('sessions', {
  getSession: async ({ params }, { caller }) => {
    const session = await sessions.get(caller.orgId, params.sid);
    if (!session) throw new NotFoundError('session not found');
    return { statusCode: 200, body: session };
  },
  listSessions: async ({ query }, { caller }) => {
    const page = await sessions.list(caller.orgId, { pageSize: query.page_size, nextToken: query.next_token, resourceName: query.resource_name, kind: query.kind });
    return { statusCode: 200, body: { items: page.sessions, next_token: page.nextToken } };
  },
});
