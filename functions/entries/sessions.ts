import { dynamodbDocumentClient } from '../adapters/dynamodb/client';
import { config } from '../adapters/config';
import { createHttpHandler } from '../http/handler';
import { sessionRequests } from '../http/schemas/sessions';
import { AuditService } from '../core/audit/use-cases';
import { SessionStore } from '../adapters/dynamodb/session-store';

const audit = new AuditService(new SessionStore(dynamodbDocumentClient(), config.tableName));

/** The audit trail: plans, applies and reveals of credentials, for admins and auditors. */
export const handler = createHttpHandler(sessionRequests, {
  getSession: async ({ params }, { caller }) => ({ statusCode: 200, body: await audit.getSession(caller, params.sid) }),
  listSessions: async ({ query }, { caller }) => ({ statusCode: 200, body: await audit.listSessions(caller, query) }),
});
