import { createHttpHandler } from '../http/handler';
import { buildOpenApiDocument, openApiRequests } from '../http/openapi';

let document: ReturnType<typeof buildOpenApiDocument> | undefined;

/** Serves the OpenAPI document; built on the first call and kept for the life of the container. */
export const handler = createHttpHandler(openApiRequests, {
  getOpenApiDocument: async () => {
    document ??= buildOpenApiDocument();
    return { statusCode: 200, body: document };
  },
});
