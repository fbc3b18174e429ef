import { OpenApiGeneratorV3, OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { type OperationContract, contracts } from './contracts';
import { routes } from './routes';

type OpenApiDocument = ReturnType<OpenApiGeneratorV3['generateDocument']>;

/**
 * The OpenAPI 3 document, generated from the route table and the same zod contracts that validate
 * requests. Routes that need a token carry the bearer security requirement.
 */
export function buildOpenApiDocument(serverUrl = '/'): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A JWT of the identity provider; its org and groups claims decide what the caller may do.',
  });
  for (const route of routes) {
    const contract: OperationContract = contracts[route.operationId];
    registry.registerPath({
      method: route.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete',
      path: route.path,
      operationId: route.operationId,
      summary: route.summary,
      description: `Access: ${route.access}.`,
      tags: [route.group],
      security: route.access === 'public' ? [] : [{ [bearer.name]: [] }],
      request: {
        ...(contract.params ? { params: contract.params as never } : {}),
        ...(contract.query ? { query: contract.query as never } : {}),
        ...(contract.body
          ? { body: { required: true, content: { 'application/json': { schema: contract.body } } } }
          : {}),
      },
      responses: Object.fromEntries(
        Object.entries(contract.responses).map(([status, response]) => [
          status,
          {
            description: response.description,
            ...(response.schema ? { content: { 'application/json': { schema: response.schema } } } : {}),
          },
        ]),
      ),
    });
  }
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'Database access provisioning API',
      version: '0.1.0',
      description:
        'Resources and their roles, audited plan/apply of PostgreSQL role changes, and DB role jobs on Aurora. Errors are `{"message": "..."}`.',
    },
    servers: [{ url: serverUrl }],
  });
}
