import type { GroupRequests } from '../contracts';

/** The OpenAPI function's one route takes no input. */
export const openApiRequests = {
  group: 'openapi',
  operations: { getOpenApiDocument: {} },
} as const satisfies GroupRequests<'openapi'>;
