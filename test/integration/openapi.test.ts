import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { routes } from '../../functions/http/routes';
import { call } from '../support/api';

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; security?: unknown[]; responses: Record<string, unknown> }>>;
}

describe('GET /api/openapi.json', () => {
  it('serves a valid OpenAPI 3 document without a token', async () => {
    // Act
    const answer = await call<OpenApiDocument>('GET', '/openapi.json');

    // Assess
    expect(answer.status).toBe(200);
    const result = await new Validator().validate(answer.body as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(answer.body.openapi).toMatch(/^3\./);
  });

  it('describes every route of the route table, with its security and error answers', async () => {
    // Act
    const { body } = await call<OpenApiDocument>('GET', '/openapi.json');

    // Assess
    for (const route of routes) {
      const operation = body.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation?.operationId).toBe(route.operationId);
      expect(operation?.security).toEqual(route.access === 'public' ? [] : [{ bearer: [] }]);
      if (route.access !== 'public') expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(['401', '403']));
    }
    const documented = Object.entries(body.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
  });
});
