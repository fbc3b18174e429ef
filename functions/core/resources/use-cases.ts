import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import type { Principal } from '../principal';
import { newId, newTimeOrderedId } from '../ids';
import { retry } from '../retry';
import type { SecretSealer } from '../secrets';
import {
  type ConnectionInput,
  type ConnectionRecord,
  type ConnectionUpdateInput,
  type ConnectionView,
  connectionRecordFrom,
  type ResourceCreateInput,
  type ResourceInput,
  type ResourceRecord,
  type ResourceView,
  type RevealedCredentials,
  revealSecretValue,
  toConnectionView,
  toResourceView,
} from './model';
import { openConnectionSecret, sealConnectionSecret, sealResourceSecrets } from './secrets';
import { ResourceNameTakenError, type ResourceStorePort, type SessionWriter, StaleResourceError } from './ports';

const now = () => new Date().toISOString();

/** Reads the resource again and retries when a concurrent change got in between; then gives up with a conflict. */
async function retryOnStale<T>(attempt: () => Promise<T>, attempts = 4): Promise<T> {
  try {
    // No pause: the next try reads the resource again, and the change that got in is already there.
    return await retry(attempt, { attempts, baseDelayMs: 0, maxDelayMs: 0, retryable: (error) => error instanceof StaleResourceError });
  } catch (error) {
    if (error instanceof StaleResourceError) throw new ConflictError('the resource was changed concurrently; try again');
    throw error;
  }
}

const hasConnections = (resource: ResourceRecord) => Object.keys(resource.connection_names).length > 0;

/** The use cases of the Resources API. Authorization by group is done by the handler; tenancy here. */
export class ResourceService {
  constructor(
    private readonly store: ResourceStorePort,
    /** Where reveals of credentials are recorded. */
    private readonly sessions: SessionWriter,
    /** Encrypts secret values before they are stored, and decrypts them for the reveal. */
    private readonly sealer: SecretSealer,
  ) {}

  // Every value the client or the service gives is sealed, even one that looks sealed already.
  private sealResource = (orgId: string, resource: ResourceRecord) => sealResourceSecrets(this.sealer, orgId, resource);
  private sealConnection = (orgId: string, connection: ConnectionRecord) => sealConnectionSecret(this.sealer, orgId, connection);
  private openSecret = (orgId: string, resourceName: string, connection: ConnectionRecord) => openConnectionSecret(this.sealer, orgId, resourceName, connection);

  private async requireResource(orgId: string, name: string): Promise<ResourceRecord> {
    const resource = await this.store.getResource(orgId, name);
    if (!resource) throw new NotFoundError('resource not found');
    return resource;
  }

  private async requireConnection(orgId: string, resource: ResourceRecord, connectionName: string): Promise<ConnectionRecord> {
    const connection = await this.store.getConnection(orgId, connectionName);
    if (!connection || connection.resource_id !== resource.id) throw new NotFoundError('role not found');
    return connection;
  }

  private async present(caller: Principal, resource: ResourceRecord): Promise<ResourceView> {
    const connections = (await this.store.getConnectionSummariesOf(caller.orgId, [resource])).get(resource.id) ?? [];
    return toResourceView(resource, connections, { showEnvVars: caller.admin || caller.auditor });
  }

  async createResource(caller: Principal, input: ResourceCreateInput): Promise<ResourceView> {
    const timestamp = now();
    const resource: ResourceRecord = {
      id: newId(),
      name: input.name,
      type: input.type,
      subtype: input.subtype ?? input.type,
      env_vars: input.env_vars,
      agent_id: input.agent_id ?? null,
      connection_names: {},
      version: 1,
      created_at: timestamp,
      updated_at: timestamp,
    };
    const connections = (input.roles ?? []).map((connection) =>
      connectionRecordFrom(connection, connection.name, resource, { id: newId(), managed_by: '' }),
    );
    resource.connection_names = Object.fromEntries(connections.map((connection) => [connection.name, connection.id]));
    await this.store.createResource(
      caller.orgId,
      await this.sealResource(caller.orgId, resource),
      await Promise.all(connections.map((connection) => this.sealConnection(caller.orgId, connection))),
    );
    return toResourceView(resource, connections, { showEnvVars: true });
  }

  async listResources(
    caller: Principal,
    query: { page_size: number; next_token?: string | undefined; search?: string | undefined },
  ): Promise<{ items: ResourceView[]; next_token: string | null }> {
    const page = await this.store.listResources(caller.orgId, {
      pageSize: query.page_size,
      nextToken: query.next_token,
      search: query.search,
    });
    const connections = await this.store.getConnectionSummariesOf(caller.orgId, page.resources);
    const showEnvVars = caller.admin || caller.auditor;
    return {
      items: page.resources.map((resource) => toResourceView(resource, connections.get(resource.id) ?? [], { showEnvVars })),
      next_token: page.nextToken,
    };
  }

  async getResource(caller: Principal, name: string): Promise<ResourceView> {
    return this.present(caller, await this.requireResource(caller.orgId, name));
  }

  async updateResource(caller: Principal, name: string, input: ResourceInput): Promise<ResourceView> {
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
      if (hasConnections(current) && (next.type !== current.type || next.subtype !== current.subtype)) {
        throw new ConflictError('cannot change resource type or subtype while it has roles');
      }
      const stored = await this.sealResource(caller.orgId, next);
      await this.store.replaceResource(caller.orgId, current, stored);
      return stored;
    });
    return this.present(caller, updated);
  }

  async deleteResource(caller: Principal, name: string): Promise<void> {
    await retryOnStale(async () => {
      const current = await this.requireResource(caller.orgId, name);
      if (hasConnections(current)) throw new ConflictError('cannot delete a resource that has roles');
      await this.store.deleteResource(caller.orgId, current);
    });
  }

  async createConnection(caller: Principal, resourceName: string, input: ConnectionInput): Promise<ConnectionView> {
    return retryOnStale(async () => {
      const resource = await this.requireResource(caller.orgId, resourceName);
      const connection = connectionRecordFrom(input, input.name, resource, { id: newId(), managed_by: '' });
      await this.store.createConnection(caller.orgId, resource, await this.sealConnection(caller.orgId, connection), now());
      return toConnectionView(connection, resource.name);
    });
  }

  async updateConnection(caller: Principal, resourceName: string, connectionName: string, input: ConnectionUpdateInput): Promise<ConnectionView> {
    if (input.name !== undefined && input.name !== connectionName) {
      throw new InvalidInputError('a role cannot be renamed', [{ path: 'name', message: 'must match the role in the path' }]);
    }
    return retryOnStale(async () => {
      const resource = await this.requireResource(caller.orgId, resourceName);
      const current = await this.requireConnection(caller.orgId, resource, connectionName);
      const connection = connectionRecordFrom(input, connectionName, resource, { id: current.id, managed_by: current.managed_by });
      await this.store.replaceConnection(caller.orgId, resource, await this.sealConnection(caller.orgId, connection), now());
      return toConnectionView(connection, resource.name);
    });
  }

  async deleteConnection(caller: Principal, resourceName: string, connectionName: string): Promise<void> {
    await retryOnStale(async () => {
      const resource = await this.requireResource(caller.orgId, resourceName);
      await this.requireConnection(caller.orgId, resource, connectionName);
      await this.store.deleteConnection(caller.orgId, resource, connectionName, now());
    });
  }

  /**
   * Stores credentials the service made (plan/apply, DB role jobs) as connections of a resource,
   * creating the resource when it is missing and replacing older connections of the same names.
   * `refresh` is shown every other connection of the resource, its secret opened; one it returns
   * replaces that one in the same write (older copies of credentials that must change with them).
   * Every secret is sealed before the write. Used by the provisioning code, never exposed over HTTP.
   */
  async upsertServiceConnections(
    orgId: string,
    resourceSpec: Pick<ResourceRecord, 'name' | 'type' | 'subtype' | 'env_vars'>,
    connections: Array<{ input: ConnectionInput; managedBy: string }>,
    refresh?: (connection: ConnectionRecord) => ConnectionRecord | undefined,
  ): Promise<void> {
    await retryOnStale(async () => {
      const existing = await this.store.getResource(orgId, resourceSpec.name);
      const timestamp = now();
      if (!existing) {
        if (connections.length === 0) return;
        const resource: ResourceRecord = {
          id: newId(),
          ...resourceSpec,
          agent_id: null,
          connection_names: {},
          version: 1,
          created_at: timestamp,
          updated_at: timestamp,
        };
        const records = connections.map(({ input, managedBy }) =>
          connectionRecordFrom(input, input.name, resource, { id: newId(), managed_by: managedBy }),
        );
        resource.connection_names = Object.fromEntries(records.map((connection) => [connection.name, connection.id]));
        try {
          await this.store.createResource(
            orgId,
            await this.sealResource(orgId, resource),
            await Promise.all(records.map((connection) => this.sealConnection(orgId, connection))),
          );
          return;
        } catch (error) {
          // Created concurrently by another job or apply: read it again and upsert into it.
          if (error instanceof ResourceNameTakenError) throw new StaleResourceError();
          throw error;
        }
      }
      const records = await Promise.all(
        connections.map(async ({ input, managedBy }) => {
          const current = await this.store.getConnection(orgId, input.name);
          const id = current && current.resource_id === existing.id ? current.id : newId();
          return connectionRecordFrom(input, input.name, existing, { id, managed_by: managedBy });
        }),
      );
      const names = new Set(records.map((connection) => connection.name));
      const others = refresh
        ? ((await this.store.getConnectionsOf(orgId, [existing])).get(existing.id) ?? []).filter((connection) => !names.has(connection.name))
        : [];
      const opened = await Promise.all(others.map(async (connection) => ({ ...connection, secret: await this.openSecret(orgId, existing.name, connection) })));
      const refreshed = opened.flatMap((connection) => refresh?.(connection) ?? []);
      if (records.length + refreshed.length === 0) return;
      const sealed = await Promise.all([...records, ...refreshed].map((connection) => this.sealConnection(orgId, connection)));
      await this.store.upsertConnections(orgId, existing, sealed, timestamp);
    });
  }

  /**
   * The one way to read secret values. The audit session is written before anything is revealed: if
   * it cannot be recorded, nothing is shown. The session names the keys, never the values.
   */
  async revealCredentials(caller: Principal, resourceName: string, connectionName: string): Promise<RevealedCredentials> {
    const resource = await this.requireResource(caller.orgId, resourceName);
    const connection = await this.requireConnection(caller.orgId, resource, connectionName);
    // Opened before the session is written: a secret that cannot be read is not recorded as revealed.
    const secret = await this.openSecret(caller.orgId, resource.name, connection);
    const timestamp = now();
    await this.sessions.create(caller.orgId, {
      id: newTimeOrderedId(),
      kind: 'reveal',
      resource_name: resource.name,
      role: connection.name,
      user: { sub: caller.sub, email: caller.email ?? null },
      created_at: timestamp,
      ended_at: timestamp,
      status: 'success',
      input: { resource_name: resource.name, role: connection.name },
      output: { revealed_keys: Object.keys(connection.secret).sort() },
    });
    return {
      role: connection.name,
      secret: Object.fromEntries(Object.entries(secret).map(([key, value]) => [key, revealSecretValue(value)])),
    };
  }
}
