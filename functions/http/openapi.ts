import * as z from 'zod/mini';
import type { RequestContract } from './contracts';
import { type OperationId, routes } from './routes';
import { dbRoleRequests } from './schemas/dbroles';
import { provisioningRequests } from './schemas/provisioning';
import {
  applyResult,
  applyResults,
  credentialsResponse,
  dbRoleJob,
  errorResponse,
  jobCreated,
  jobPage,
  planResult,
  planResults,
  resourcePage,
  resourceResponse,
  roleResponse,
  sessionPage,
  sessionResponse,
} from './schemas/responses';
import { resourceRequests } from './schemas/resources';
import { sessionRequests } from './schemas/sessions';
import { openApiRequests } from './schemas/openapi';

type JsonSchema = z.core.JSONSchema.BaseSchema;

interface ResponseContract {
  description: string;
  schema?: z.ZodMiniType;
}

const errors = {
  400: { description: 'Invalid body, query or path', schema: errorResponse },
  401: { description: 'No or bad token', schema: errorResponse },
  403: { description: 'Authenticated but not allowed', schema: errorResponse },
} as const;
const notFound = { 404: { description: 'Not found (or of another org)', schema: errorResponse } } as const;
const conflict = (description: string) => ({ 409: { description, schema: errorResponse } }) as const;
const tooLarge = (description: string) => ({ 413: { description, schema: errorResponse } }) as const;
const BODY_LIMIT = 'The body is over 10 MB, API Gateway\'s limit (`Request Entity Too Large`)';
/** Every route with a body. */
const bodyTooLarge = tooLarge(BODY_LIMIT);
/** Routes that store what they are given: DynamoDB's limits too. */
const writeTooLarge = tooLarge(`${BODY_LIMIT}; or an item it would store is over 400 KB, or the write over 4 MB (DynamoDB's limits; the message names it)`);

/** What each operation answers. Only the document needs it: the functions do not validate their answers. */
const responses = {
  getOpenApiDocument: { 200: { description: 'The OpenAPI 3 document' } },
  createResource: {
    201: { description: 'Created, with its roles', schema: resourceResponse },
    ...errors,
    ...writeTooLarge,
    ...conflict('Resource name or a role name already exists in the org'),
  },
  listResources: { 200: { description: 'A page of resources, by name', schema: resourcePage }, ...errors },
  getResource: { 200: { description: 'The resource', schema: resourceResponse }, ...errors, ...notFound },
  updateResource: {
    200: { description: 'Updated', schema: resourceResponse },
    ...errors,
    ...notFound,
    ...writeTooLarge,
    ...conflict('New name taken, or type/subtype change while roles exist'),
  },
  deleteResource: { 204: { description: 'Deleted' }, ...errors, ...notFound, ...conflict('The resource still has roles') },
  createRole: {
    201: { description: 'Created', schema: roleResponse },
    ...errors,
    ...notFound,
    ...writeTooLarge,
    ...conflict('Role name already exists in the org'),
  },
  updateRole: { 200: { description: 'Updated', schema: roleResponse }, ...errors, ...notFound, ...writeTooLarge },
  deleteRole: { 204: { description: 'Deleted' }, ...errors, ...notFound },
  revealRoleCredentials: {
    200: { description: 'Secret values, recorded as a `reveal` audit session', schema: credentialsResponse },
    ...errors,
    ...notFound,
  },
  planResourceRole: {
    200: { description: 'The plan (status failed with a message when a scope or the source role does not exist)', schema: planResult },
    ...errors,
    ...notFound,
    ...writeTooLarge,
    422: { description: 'The resource is not a provisionable PostgreSQL (names the missing env vars)', schema: errorResponse },
  },
  planResourceRoles: { 200: { description: 'One result per item, in item order', schema: planResults }, ...errors, ...bodyTooLarge },
  applyResourcePlan: {
    200: { description: 'success, skipped (the plan was in sync) or failed', schema: applyResult },
    ...errors,
    ...notFound,
    ...bodyTooLarge,
    ...conflict('The plan expired, was applied already, failed, or the database drifted since'),
    422: { description: 'The resource is not a provisionable PostgreSQL', schema: errorResponse },
  },
  applyResourcePlans: { 200: { description: 'One result per item, in item order', schema: applyResults }, ...errors, ...bodyTooLarge },
  getSession: { 200: { description: 'The audit session', schema: sessionResponse }, ...errors, ...notFound },
  listSessions: { 200: { description: 'A page of sessions, newest first', schema: sessionPage }, ...errors },
  createDbRoleJob: {
    202: {
      description: 'The job was recorded and its workflow started (or, for a database already being provisioned, the job ended failed)',
      schema: jobCreated,
    },
    ...errors,
    ...notFound,
    ...bodyTooLarge,
    ...conflict('The cluster belongs to another organization (`cluster is managed by another organization`); nothing was recorded'),
    422: {
      description: 'Not an Aurora PostgreSQL cluster the Data API can reach (the reason is given), or Vault asked for but not configured',
      schema: errorResponse,
    },
  },
  listDbRoleJobs: { 200: { description: 'A page of jobs, newest first', schema: jobPage }, ...errors },
  getDbRoleJob: { 200: { description: 'The job', schema: dbRoleJob }, ...errors, ...notFound },
} as const satisfies Record<OperationId, Record<number, ResponseContract>>;

const requests: Record<OperationId, RequestContract> = {
  ...resourceRequests.operations,
  ...provisioningRequests.operations,
  ...sessionRequests.operations,
  ...dbRoleRequests.operations,
  ...openApiRequests.operations,
};

const componentRef = (id: string) => `#/components/schemas/${id}`;

/**
 * Keeps the document as it was: a `format` (uuid, date-time) stands without zod's long pattern for
 * it, and an answer's object stays open to new fields, as a request's is (zod closes output objects).
 */
function asBefore({ jsonSchema }: { jsonSchema: JsonSchema }): void {
  if (jsonSchema.format !== undefined) delete jsonSchema.pattern;
  if (jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
}

/**
 * JSON Schemas (OpenAPI 3.0 flavour) of zod schemas, by zod's own `toJSONSchema`, read as requests
 * (`input`: defaults make a field optional) or as answers (`output`). A schema with an `id` in its
 * metadata becomes a component that the others refer to; the rest come back inline.
 */
function jsonSchemasOf(schemas: z.ZodMiniType[], io: 'input' | 'output') {
  const registry = z.registry<{ id: string }>();
  const keys = new Map<z.ZodMiniType, string>();
  for (const schema of new Set(schemas)) {
    const id = z.globalRegistry.get(schema)?.id;
    const key = typeof id === 'string' ? id : `inline-${keys.size}`;
    keys.set(schema, key);
    registry.add(schema, { id: key });
  }
  const converted: Record<string, JsonSchema> = z.toJSONSchema(registry, { target: 'openapi-3.0', io, uri: componentRef, override: asBefore }).schemas;
  // A schema with an id that is not itself a body or an answer would land in a side document the
  // OpenAPI document cannot refer to.
  if ('__shared' in converted) throw new Error(`a schema with an id nested in another must itself be a body or an answer: ${JSON.stringify(converted.__shared)}`);
  const components = Object.fromEntries(
    [...keys.values()].filter((key) => !key.startsWith('inline-')).map((key) => {
      // A component's `$id` (its own address) is JSON Schema, not OpenAPI 3.0.
      const { $id: _address, ...component } = converted[key] ?? {};
      return [key, component];
    }),
  );
  /** A schema's reference (component) or its JSON Schema (inline). */
  const of = (schema: z.ZodMiniType): JsonSchema => {
    const key = keys.get(schema) ?? '';
    return key.startsWith('inline-') ? (converted[key] ?? {}) : { $ref: componentRef(key) };
  };
  return { components, of };
}

/** An object schema of path or query fields, as OpenAPI parameters (one per field). */
function parametersOf(schema: JsonSchema, where: 'path' | 'query') {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, field]) => ({
    schema: field,
    required: where === 'path' || required.has(name),
    ...(typeof field === 'object' && field.description ? { description: field.description } : {}),
    name,
    in: where,
  }));
}

/**
 * The OpenAPI 3 document, generated from the route table and the same zod schemas that validate
 * requests. Routes that need a token carry the bearer security requirement.
 */
export function buildOpenApiDocument(serverUrl = '/') {
  const inputs = Object.values(requests).flatMap((request) => [request.params, request.query, request.body].filter((schema) => schema !== undefined));
  const outputs = Object.values(responses).flatMap((answers) =>
    Object.values(answers as Record<number, ResponseContract>).flatMap((answer) => (answer.schema ? [answer.schema] : [])),
  );
  const read = jsonSchemasOf(inputs, 'input');
  const written = jsonSchemasOf(outputs, 'output');
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const request = requests[route.operationId];
    const answers: Record<number, ResponseContract> = responses[route.operationId];
    const parameters = [
      ...(request.params ? parametersOf(read.of(request.params), 'path') : []),
      ...(request.query ? parametersOf(read.of(request.query), 'query') : []),
    ];
    const operations = paths[route.path] ?? {};
    paths[route.path] = operations;
    operations[route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      description: `Access: ${route.access}.`,
      tags: [route.group],
      security: route.access === 'public' ? [] : [{ bearer: [] }],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(request.body ? { requestBody: { required: true, content: { 'application/json': { schema: read.of(request.body) } } } } : {}),
      responses: Object.fromEntries(
        Object.entries(answers).map(([status, answer]) => [
          status,
          { description: answer.description, ...(answer.schema ? { content: { 'application/json': { schema: written.of(answer.schema) } } } : {}) },
        ]),
      ),
    };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Database access provisioning API',
      version: '0.1.0',
      description:
        'Resources and their roles, audited plan/apply of PostgreSQL role changes, and DB role jobs on Aurora. Errors are `{"message": "..."}`.',
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A JWT of the identity provider; its org and groups claims decide what the caller may do.',
        },
      },
      schemas: { ...read.components, ...written.components },
    },
    paths,
  };
}
