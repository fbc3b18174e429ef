/**
 * The route table: the one list of HTTP routes. The CDK stack builds the HTTP API from it, the local
 * HTTP API serves it, each handler group dispatches on it and the OpenAPI document is generated from
 * it. Nothing here imports handler code, so the infrastructure can read it cheaply.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Who may call a route. `public` needs no token; `authenticated` is any user of the org; `auditor`
 * is the admin or auditor group; `admin` is the admin group only.
 */
export type Access = 'public' | 'authenticated' | 'auditor' | 'admin';

/** A handler group is one Lambda function (one bundle) serving several routes. */
export type HandlerGroup = 'resources' | 'openapi' | 'provisioning' | 'sessions' | 'dbroles';

export interface RouteDefinition {
  method: HttpMethod;
  path: string;
  group: HandlerGroup;
  operationId: string;
  access: Access;
  summary: string;
}

export const routes = [
  { method: 'GET', path: '/api/openapi.json', group: 'openapi', operationId: 'getOpenApiDocument', access: 'public', summary: 'The OpenAPI 3 document of this API' },
  { method: 'POST', path: '/api/resources', group: 'resources', operationId: 'createResource', access: 'admin', summary: 'Create a resource with its roles, atomically' },
  { method: 'GET', path: '/api/resources', group: 'resources', operationId: 'listResources', access: 'authenticated', summary: 'List the resources of the org' },
  { method: 'GET', path: '/api/resources/{name}', group: 'resources', operationId: 'getResource', access: 'authenticated', summary: 'Get a resource by name' },
  { method: 'PUT', path: '/api/resources/{name}', group: 'resources', operationId: 'updateResource', access: 'admin', summary: 'Replace a resource (renaming carries its roles)' },
  { method: 'DELETE', path: '/api/resources/{name}', group: 'resources', operationId: 'deleteResource', access: 'admin', summary: 'Delete a resource that has no roles' },
  { method: 'POST', path: '/api/resources/{name}/roles', group: 'resources', operationId: 'createRole', access: 'admin', summary: 'Add a role to a resource' },
  { method: 'PUT', path: '/api/resources/{name}/roles/{role}', group: 'resources', operationId: 'updateRole', access: 'admin', summary: 'Replace a role of a resource' },
  { method: 'DELETE', path: '/api/resources/{name}/roles/{role}', group: 'resources', operationId: 'deleteRole', access: 'admin', summary: 'Delete a role of a resource' },
  { method: 'GET', path: '/api/resources/{name}/roles/{role}/credentials', group: 'resources', operationId: 'revealRoleCredentials', access: 'admin', summary: "Reveal a role's secret values (audited)" },
  { method: 'POST', path: '/api/resources/{name}/plan', group: 'provisioning', operationId: 'planResourceRole', access: 'admin', summary: 'Plan a PostgreSQL role on a resource: the diff and the statements' },
  { method: 'POST', path: '/api/resources/plan', group: 'provisioning', operationId: 'planResourceRoles', access: 'admin', summary: 'Plan several roles at once (concurrently, results in item order)' },
  { method: 'POST', path: '/api/resources/{name}/apply', group: 'provisioning', operationId: 'applyResourcePlan', access: 'admin', summary: 'Apply a plan by its sid, if the database has not drifted' },
  { method: 'POST', path: '/api/resources/apply', group: 'provisioning', operationId: 'applyResourcePlans', access: 'admin', summary: 'Apply several plans at once' },
  { method: 'GET', path: '/api/sessions/{sid}', group: 'sessions', operationId: 'getSession', access: 'auditor', summary: 'An audit session (plan, apply or reveal)' },
  { method: 'GET', path: '/api/sessions', group: 'sessions', operationId: 'listSessions', access: 'auditor', summary: 'Audit sessions, newest first' },
  { method: 'POST', path: '/api/dbroles/jobs', group: 'dbroles', operationId: 'createDbRoleJob', access: 'admin', summary: 'Start a job that provisions hoop_ro, hoop_rw and hoop_ddl on an Aurora PostgreSQL cluster' },
  { method: 'GET', path: '/api/dbroles/jobs', group: 'dbroles', operationId: 'listDbRoleJobs', access: 'auditor', summary: 'DB role jobs, newest first' },
  { method: 'GET', path: '/api/dbroles/jobs/{id}', group: 'dbroles', operationId: 'getDbRoleJob', access: 'auditor', summary: 'A DB role job and the result of each role' },
] as const satisfies readonly RouteDefinition[];

export type OperationId = (typeof routes)[number]['operationId'];

/** The API Gateway route key of a route, e.g. `GET /api/resources/{name}`. */
export function routeKey(route: Pick<RouteDefinition, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

export function routesOfGroup(group: HandlerGroup): RouteDefinition[] {
  return routes.filter((route) => route.group === group);
}
