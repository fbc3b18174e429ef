import { dynamodbDocumentClient } from '../adapters/dynamodb/client';
import { config } from '../adapters/config';
import { idempotency } from '../adapters/dynamodb/idempotency-client';
import { createHttpHandler } from '../http/handler';
import { resourceRequests } from '../http/schemas/resources';
import { ResourceService } from '../core/resources/use-cases';
import { ResourceStore } from '../adapters/dynamodb/resource-store';
import { SessionStore } from '../adapters/dynamodb/session-store';
import { secretSealer } from '../adapters/crypto/secret-sealer';

const service = new ResourceService(new ResourceStore(dynamodbDocumentClient(), config.tableName), new SessionStore(dynamodbDocumentClient(), config.tableName), secretSealer(config));

/**
 * Resources, their connections and the audited reveal of connection credentials. The operation ids
 * are the HTTP contract, which calls a connection a "role".
 */
export const handler = createHttpHandler(resourceRequests, {
  createResource: async ({ body }, { caller }) => ({ statusCode: 201, body: await service.createResource(caller, body) }),
  listResources: async ({ query }, { caller }) => ({ statusCode: 200, body: await service.listResources(caller, query) }),
  getResource: async ({ params }, { caller }) => ({ statusCode: 200, body: await service.getResource(caller, params.name) }),
  updateResource: async ({ params, body }, { caller }) => ({
    statusCode: 200,
    body: await service.updateResource(caller, params.name, body),
  }),
  deleteResource: async ({ params }, { caller }) => {
    await service.deleteResource(caller, params.name);
    return { statusCode: 204 };
  },
  createRole: async ({ params, body }, { caller }) => ({
    statusCode: 201,
    body: await service.createConnection(caller, params.name, body),
  }),
  updateRole: async ({ params, body }, { caller }) => ({
    statusCode: 200,
    body: await service.updateConnection(caller, params.name, params.role, body),
  }),
  deleteRole: async ({ params }, { caller }) => {
    await service.deleteConnection(caller, params.name, params.role);
    return { statusCode: 204 };
  },
  revealRoleCredentials: async ({ params }, { caller }) => ({
    statusCode: 200,
    body: await service.revealCredentials(caller, params.name, params.role),
  }),
}, { idempotency });
