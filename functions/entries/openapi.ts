import { onDemand } from '../adapters/on-demand';
import { createHttpHandler } from '../http/handler';
import { openApiRequests } from '../http/schemas/openapi';

/** The document as JSON text, put here by the Lambda bundling (infra/bundling.ts); absent when the source runs as is (npm start, tests). */
declare const PREBUILT_OPENAPI_DOCUMENT: string | undefined;

/**
 * The document, from the same zod schemas that validate requests: built at bundling for Lambda, so
 * that the function neither loads nor builds a schema at its cold start; otherwise on the first call.
 * Kept for the life of the container either way.
 */
const openApiDocument = onDemand(
  async (): Promise<unknown> =>
    typeof PREBUILT_OPENAPI_DOCUMENT === 'string' ? JSON.parse(PREBUILT_OPENAPI_DOCUMENT) : (await import('../http/openapi')).buildOpenApiDocument(),
);

/** Serves the OpenAPI document. */
export const handler = createHttpHandler(openApiRequests, {
  getOpenApiDocument: async () => ({ statusCode: 200, body: await openApiDocument() }),
});
