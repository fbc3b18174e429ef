import { InvalidInputError, ConflictError, NotFoundError } from '../errors';
import type { Principal } from '../principal';
import { newId, newTimeOrderedId } from '../ids';
import { retry } from '../retry';
import type { ResourceCreateInput, ResourceResponse, ResourceUpdateInput, RoleInput, RoleResponse, RoleUpdateInput } from '../../http/schemas/resources';
import type { SessionStore } from '../../adapters/dynamodb/session-store';
import { type ResourceRecord, type RoleRecord, revealSecretValue, roleRecordFrom, toResourceResponse, toRoleResponse } from './model';
import { type ResourceStore, StaleResourceError } from '../../adapters/dynamodb/resource-store';

const now = () => new Date().toISOString();

/** Reads the resource again and retries when a concurrent change got in between; then gives up with 409. */
async function retryOnStale<T>(attempt: () => Promise<T>, attempts = 4): Promise<T> {
  try {
    // No pause: the next try reads the resource again, and the change that got in is already there.
    return await retry(attempt, { attempts, baseDelayMs: 0, maxDelayMs: 0, retryable: (error) => error instanceof StaleResourceError });
  } catch (error) {
    if (error instanceof StaleResourceError) throw new ConflictError('the resource was changed concurrently; try again');
    throw error;
  }
}

/** The use cases of the Resources API. Authorization by group is done by the handler; tenancy here. */
export class ResourceService {
  constructor(
    private readonly store: ResourceStore,
    private readonly sessions: SessionStore,
  ) {}

  private async requireResource(orgId: string, name: string): Promise<ResourceRecord> {
    const resource = await this.store.getResource(orgId, name);
    if (!resource) throw new NotFoundError('resource not found');
    return resource;
  }

  private async present(caller: Principal, resource: ResourceRecord): Promise<ResourceResponse> {
    const roles = (await this.store.getRolesOf(caller.orgId, [resource])).get(resource.id) ?? [];
    return toResourceResponse(resource, roles, { showEnvVars: caller.admin || caller.auditor });
  }

  async createResource(caller: Principal, input: ResourceCreateInput): Promise<ResourceResponse> {
    const timestamp = now();
    const resource: ResourceRecord = {
      id: newId(),
      name: input.name,
      type: input.type,
      subtype: input.subtype ?? input.type,
      env_vars: input.env_vars,
      agent_id: input.agent_id ?? null,
      role_names: {},
      version: 1,
      created_at: timestamp,
      updated_at: timestamp,
    };
    const roles = (input.roles ?? []).map((role) => roleRecordFrom(role, role.name, resource, { id: newId(), managed_by: '' }));
    resource.role_names = Object.fromEntries(roles.map((role) => [role.name, role.id]));
    await this.store.createResource(caller.orgId, resource, roles);
    return toResourceResponse(resource, roles, { showEnvVars: true });
  }

  async listResources(
    caller: Principal,
    query: { page_size: number; next_token?: string | undefined; search?: string | undefined },
  ): Promise<{ items: ResourceResponse[]; next_token: string | null }> {
    const page = await this.store.listResources(caller.orgId, {
      pageSize: query.page_size,
      nextToken: query.next_token,
      search: query.search,
    });
    const roles = await this.store.getRolesOf(caller.orgId, page.resources);
    const showEnvVars = caller.admin || caller.auditor;
    return {
      items: page.resources.map((resource) => toResourceResponse(resource, roles.get(resource.id) ?? [], { showEnvVars })),
      next_token: page.nextToken,
    };
  }

  async getResource(caller: Principal, name: string): Promise<ResourceResponse> {
    return this.present(caller, await this.requireResource(caller.orgId, name));
  }

  async updateResource(caller: Principal, name: string, input: ResourceUpdateInput): Promise<ResourceResponse> {
    const updated = await retryOnStale(async () => {
      const current = await this.requireResource(caller.orgId, name);
      const next: ResourceRecord = {
        ...current,
        name: input.name,
        type: input.type,
        subtype: input.subtype ?? input.type,
        env_vars: input.env_vars,
        agent_id: input.agent_id ?? null,
        version: current.version + 1,
        updated_at: now(),
      };
      const hasRoles = Object.keys(current.role_names).length > 0;
      if (hasRoles && (next.type !== current.type || next.subtype !== current.subtype)) {
        throw new ConflictError('cannot change resource type or subtype while it has roles');
      }
      await this.store.replaceResource(caller.orgId, current, next);
      return next;
    });
    return this.present(caller, updated);
  }

  async deleteResource(caller: Principal, name: string): Promise<void> {
    await retryOnStale(async () => {
      const current = await this.requireResource(caller.orgId, name);
      if (Object.keys(current.role_names).length > 0) throw new ConflictError('cannot delete a resource that has roles');
      await this.store.deleteResource(caller.orgId, current);
    });
  }

  async createRole(caller: Principal, resourceName: string, input: RoleInput): Promise<RoleResponse> {
    return retryOnStale(async () => {
      const resource = await this.requireResource(caller.orgId, resourceName);
      const role = roleRecordFrom(input, input.name, resource, { id: newId(), managed_by: '' });
      await this.store.createRole(caller.orgId, resource, role, now());
      return toRoleResponse(role, resource.name);
    });
  }

  private async requireRole(caller: Principal, resource: ResourceRecord, roleName: string) {
    const role = await this.store.getRole(caller.orgId, roleName);
    if (!role || role.resource_id !== resource.id) throw new NotFoundError('role not found');
    return role;
  }

  async updateRole(caller: Principal, resourceName: string, roleName: string, input: RoleUpdateInput): Promise<RoleResponse> {
    if (input.name !== undefined && input.name !== roleName) throw new InvalidInputError('a role cannot be renamed', [{ path: 'name', message: 'must match the role in the path' }]);
    return retryOnStale(async () => {
      const resource = await this.requireResource(caller.orgId, resourceName);
      const current = await this.requireRole(caller, resource, roleName);
      const role = roleRecordFrom(input, roleName, resource, { id: current.id, managed_by: current.managed_by });
      await this.store.replaceRole(caller.orgId, resource, role, now());
      return toRoleResponse(role, resource.name);
    });
  }

  async deleteRole(caller: Principal, resourceName: string, roleName: string): Promise<void> {
    await retryOnStale(async () => {
      const resource = await this.requireResource(caller.orgId, resourceName);
      await this.requireRole(caller, resource, roleName);
      await this.store.deleteRole(caller.orgId, resource, roleName, now());
    });
  }

  /**
   * Stores credentials the service made (plan/apply, DB role jobs) as roles of a resource, creating the
   * resource when it is missing and replacing older roles of the same names. `refresh` is shown every
   * other role of the resource; a role it returns replaces that one in the same write (older copies of
   * credentials that must change with them). Used by the provisioning code, never exposed over HTTP.
   */
  async upsertServiceRoles(
    orgId: string,
    resourceSpec: Pick<ResourceRecord, 'name' | 'type' | 'subtype' | 'env_vars'>,
    roles: Array<{ input: RoleInput; managedBy: string }>,
    refresh: (role: RoleRecord) => RoleRecord | undefined = () => undefined,
  ): Promise<void> {
    await retryOnStale(async () => {
      const existing = await this.store.getResource(orgId, resourceSpec.name);
      const timestamp = now();
      if (!existing) {
        if (roles.length === 0) return;
        const resource: ResourceRecord = {
          id: newId(),
          ...resourceSpec,
          agent_id: null,
          role_names: {},
          version: 1,
          created_at: timestamp,
          updated_at: timestamp,
        };
        const records = roles.map(({ input, managedBy }) =>
          roleRecordFrom(input, input.name, resource, { id: newId(), managed_by: managedBy }),
        );
        resource.role_names = Object.fromEntries(records.map((role) => [role.name, role.id]));
        try {
          await this.store.createResource(orgId, resource, records);
          return;
        } catch (error) {
          // Created concurrently by another job or apply: read it again and upsert into it.
          if (error instanceof ConflictError && error.message === 'resource name already exists') throw new StaleResourceError();
          throw error;
        }
      }
      const records = await Promise.all(
        roles.map(async ({ input, managedBy }) => {
          const current = await this.store.getRole(orgId, input.name);
          const id = current && current.resource_id === existing.id ? current.id : newId();
          return roleRecordFrom(input, input.name, existing, { id, managed_by: managedBy });
        }),
      );
      const names = new Set(records.map((role) => role.name));
      const others = ((await this.store.getRolesOf(orgId, [existing])).get(existing.id) ?? []).filter((role) => !names.has(role.name));
      const refreshed = others.flatMap((role) => refresh(role) ?? []);
      if (records.length + refreshed.length === 0) return;
      await this.store.upsertRoles(orgId, existing, [...records, ...refreshed], timestamp);
    });
  }

  /**
   * The one way to read secret values. The audit session is written before anything is revealed: if
   * it cannot be recorded, nothing is shown. The session names the keys, never the values.
   */
  async revealCredentials(
    caller: Principal,
    resourceName: string,
    roleName: string,
  ): Promise<{ role: string; secret: Record<string, string> }> {
    const resource = await this.requireResource(caller.orgId, resourceName);
    const role = await this.requireRole(caller, resource, roleName);
    const timestamp = now();
    await this.sessions.create(caller.orgId, {
      id: newTimeOrderedId(),
      kind: 'reveal',
      resource_name: resource.name,
      role: role.name,
      user: { sub: caller.sub, email: caller.email ?? null },
      created_at: timestamp,
      ended_at: timestamp,
      status: 'success',
      input: { resource_name: resource.name, role: role.name },
      output: { revealed_keys: Object.keys(role.secret).sort() },
    });
    return {
      role: role.name,
      secret: Object.fromEntries(Object.entries(role.secret).map(([key, value]) => [key, revealSecretValue(value)])),
    };
  }
}
