import { UnprocessableError } from '../errors';
import { parseScope } from '../postgres/identifiers';
import type { PlanConfig } from '../postgres/model';
import { splitPrivileges } from '../postgres/privileges';
import { generateRoleName } from '../postgres/role-name';
import type { ResourceRecord } from '../resources/model';
import type { ClusterTarget, PlanRequest } from './model';

const REQUIRED_ENV = ['RDS_CLUSTER_ARN', 'RDS_SECRET_ARN'] as const;

/** The cluster behind a resource; UnprocessableError naming what is missing. */
export function clusterTargetOf(resource: ResourceRecord): ClusterTarget {
  if (resource.subtype !== 'postgres') throw new UnprocessableError(`plan and apply are PostgreSQL-only: resource subtype "${resource.subtype}" cannot be planned (DB role jobs do provision Aurora MySQL)`);
  const missing = REQUIRED_ENV.filter((key) => !resource.env_vars[key]);
  if (missing.length > 0) throw new UnprocessableError(`resource is missing required env vars: ${missing.join(', ')}`);
  return {
    clusterArn: resource.env_vars.RDS_CLUSTER_ARN ?? '',
    secretArn: resource.env_vars.RDS_SECRET_ARN ?? '',
    defaultDatabase: resource.env_vars.DEFAULT_DATABASE || 'postgres',
  };
}

/** What the request asks for on this resource's cluster, normalised: the role named, scopes grouped by database. */
export function planConfigOf(resourceName: string, request: PlanRequest, target: ClusterTarget): PlanConfig {
  const privileges = splitPrivileges(request.privileges);
  const scopes: Record<string, string[]> = {};
  for (const text of request.scopes) {
    const { database, schema } = parseScope(text);
    scopes[database] = [...new Set([...(scopes[database] ?? []), schema])].sort();
  }
  return {
    roleName: generateRoleName(resourceName, request.role),
    type: request.type,
    tablePrivileges: privileges.table,
    schemaCreate: privileges.schemaCreate,
    routineExecute: privileges.routineExecute,
    scopes,
    sourceRole: request.source_role ?? null,
    rotatePassword: request.rotate_password,
    defaultDatabase: target.defaultDatabase,
  };
}
