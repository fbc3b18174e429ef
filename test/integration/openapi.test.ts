import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { routes } from '../../functions/http/routes';
import { call } from '../support/api';

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  schema: Record<string, unknown>;
}

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; security?: unknown[]; parameters?: Parameter[]; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>>; required?: string[] }> };
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

  it('describes fields with the limits, formats, enums, defaults and examples the requests are validated with', async () => {
    // Act
    const { body } = await call<OpenApiDocument>('GET', '/openapi.json');

    // Assess
    const { schemas } = body.components;
    expect(schemas.ResourceRequest?.properties.name).toEqual({ type: 'string', minLength: 1, maxLength: 128, example: 'my-postgres' });
    expect(schemas.ResourceRequest?.required).toEqual(['name', 'type', 'env_vars']);
    expect(schemas.ResourceRequest?.properties.roles).toEqual({ type: 'array', maxItems: 99, items: { $ref: '#/components/schemas/RoleRequest' } });
    expect(schemas.PlanRequest?.properties.type).toEqual({ type: 'string', enum: ['managed', 'external'], default: 'managed' });
    expect(schemas.CreateDBRoleJob?.properties.connection_prefix_name).toMatchObject({ pattern: '^[A-Za-z0-9._-]+$', example: 'orders-' });
    expect(schemas.Resource?.properties.created_at).toEqual({ type: 'string', format: 'date-time', description: 'RFC 3339 UTC time', example: '2026-11-25T12:00:00.000Z' });
    expect(schemas.Resource?.properties.agent_id).toEqual({ type: 'string', format: 'uuid', nullable: true });
    const listResources = body.paths['/api/resources']?.get?.parameters ?? [];
    expect(listResources.find((parameter) => parameter.name === 'page_size')).toMatchObject({
      in: 'query',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
    });
    const getJob = body.paths['/api/dbroles/jobs/{id}']?.get?.parameters ?? [];
    expect(getJob).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }]);
  });
});
