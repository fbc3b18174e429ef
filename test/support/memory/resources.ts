import { keys, SORT_PREFIX } from '../../../functions/adapters/dynamodb/table';
import { ConflictError, NotFoundError } from '../../../functions/core/errors';
import { type ConnectionRecord, type ConnectionSummary, type ResourceRecord, toConnectionSummary } from '../../../functions/core/resources/model';
import {
  type ResourceListQuery,
  ResourceNameTakenError,
  type ResourcePage,
  type ResourceStorePort,
  StaleResourceError,
} from '../../../functions/core/resources/ports';
import { pageOf } from './page';

interface Partition {
  resources: Map<string, ResourceRecord>;
  connections: Map<string, ConnectionRecord>;
}

/** A condition of a write: the error it is refused with, or undefined when it holds. */
type Condition = () => Error | undefined;

/**
 * Resources and connections in memory, with the semantics of the DynamoDB store: one partition per
 * org, names unique in the org, every write all or nothing, refused by its first failing condition
 * with the error the DynamoDB store maps that condition to. Records are copied in and out, as a
 * store would. DynamoDB's size limits are not enforced here.
 */
export class MemoryResourceStore implements ResourceStorePort {
  private readonly orgs = new Map<string, Partition>();
  private readonly concurrentWrites: Array<() => Promise<unknown>> = [];
  private interleaving = false;

  /**
   * Runs `write` (another caller's change) just before each of this store's next `times` writes, as
   * if it had landed between what the use case read and what it writes.
   */
  interleave(write: () => Promise<unknown>, times = 1): void {
    for (let count = 0; count < times; count++) this.concurrentWrites.push(write);
  }

  private async beforeWrite(): Promise<void> {
    // The concurrent write's own writes do not start another one.
    if (this.interleaving) return;
    const write = this.concurrentWrites.shift();
    if (!write) return;
    this.interleaving = true;
    try {
      await write();
    } finally {
      this.interleaving = false;
    }
  }

  private partition(orgId: string): Partition {
    let partition = this.orgs.get(orgId);
    if (!partition) {
      partition = { resources: new Map(), connections: new Map() };
      this.orgs.set(orgId, partition);
    }
    return partition;
  }

  /** A transaction: the first condition that fails refuses the whole write, in the order of its items. */
  private transact(conditions: Condition[], apply: () => void): void {
    for (const condition of conditions) {
      const error = condition();
      if (error) throw error;
    }
    apply();
  }

  /** The resource item is still the one read (the DynamoDB store's `id = :resourceId`): renamed or deleted, it is stale. */
  private sameResource(orgId: string, resource: ResourceRecord): Condition {
    return () => (this.partition(orgId).resources.get(resource.name)?.id === resource.id ? undefined : new StaleResourceError());
  }

  /** The resource item at `version` (the DynamoDB store's `version = :version`). */
  private atVersion(orgId: string, resource: ResourceRecord): Condition {
    return () => (this.partition(orgId).resources.get(resource.name)?.version === resource.version ? undefined : new StaleResourceError());
  }

  /** What a change of connections does to the resource item: a new version and `updated_at`. */
  private bump(orgId: string, resource: ResourceRecord, now: string, change: (names: Record<string, string>) => void): void {
    const stored = this.partition(orgId).resources.get(resource.name);
    if (!stored) throw new Error('bump of a resource the conditions did not check');
    change(stored.connection_names);
    stored.version += 1;
    stored.updated_at = now;
  }

  private belongsTo(orgId: string, resource: ResourceRecord, connectionName: string): boolean {
    return this.partition(orgId).connections.get(connectionName)?.resource_id === resource.id;
  }

  async getResource(orgId: string, name: string): Promise<ResourceRecord | undefined> {
    const resource = this.partition(orgId).resources.get(name);
    return resource && structuredClone(resource);
  }

  async listResources(orgId: string, query: ResourceListQuery): Promise<ResourcePage> {
    const search = query.search?.toLowerCase();
    const page = pageOf(this.partition(orgId).resources.values(), (resource) => keys.resource(resource.name), {
      prefix: SORT_PREFIX.resource,
      pageSize: query.pageSize,
      nextToken: query.nextToken,
      matches: (resource) => !search || [resource.name, resource.type, resource.subtype].join('\n').toLowerCase().includes(search),
    });
    return { resources: page.items.map((resource) => structuredClone(resource)), nextToken: page.nextToken };
  }

  async createResource(orgId: string, resource: ResourceRecord, connections: ConnectionRecord[]): Promise<void> {
    await this.beforeWrite();
    const { resources, connections: stored } = this.partition(orgId);
    this.transact(
      [
        () => (resources.has(resource.name) ? new ResourceNameTakenError() : undefined),
        ...connections.map((connection) => () => (stored.has(connection.name) ? new ConflictError(`role name already exists: ${connection.name}`) : undefined)),
      ],
      () => {
        resources.set(resource.name, structuredClone(resource));
        for (const connection of connections) stored.set(connection.name, structuredClone(connection));
      },
    );
  }

  async replaceResource(orgId: string, current: ResourceRecord, next: ResourceRecord): Promise<void> {
    await this.beforeWrite();
    const { resources } = this.partition(orgId);
    const renamed = current.name !== next.name;
    // The DynamoDB store looks at the new name's condition first.
    const nameFree: Condition = () => (renamed && resources.has(next.name) ? new ResourceNameTakenError() : undefined);
    this.transact([nameFree, this.atVersion(orgId, current)], () => {
      resources.delete(current.name);
      resources.set(next.name, structuredClone(next));
    });
  }

  async deleteResource(orgId: string, current: ResourceRecord): Promise<void> {
    await this.beforeWrite();
    this.transact([this.atVersion(orgId, current)], () => this.partition(orgId).resources.delete(current.name));
  }

  async getConnection(orgId: string, name: string): Promise<ConnectionRecord | undefined> {
    const connection = this.partition(orgId).connections.get(name);
    return connection && structuredClone(connection);
  }

  async getConnectionsOf(orgId: string, resources: ResourceRecord[]): Promise<Map<string, ConnectionRecord[]>> {
    const byResource = new Map<string, ConnectionRecord[]>(resources.map((resource) => [resource.id, []]));
    for (const name of resources.flatMap((resource) => Object.keys(resource.connection_names))) {
      const connection = this.partition(orgId).connections.get(name);
      // As the batch read: by the names the resources list, grouped by the resource each connection names.
      if (connection) byResource.get(connection.resource_id)?.push(structuredClone(connection));
    }
    return byResource;
  }

  /** The summaries of the connections as they are (the DynamoDB store keeps copies; here there is one place). */
  async getConnectionSummariesOf(orgId: string, resources: ResourceRecord[]): Promise<Map<string, ConnectionSummary[]>> {
    const connections = await this.getConnectionsOf(orgId, resources);
    return new Map([...connections].map(([resourceId, records]) => [resourceId, records.map(toConnectionSummary)]));
  }

  async createConnection(orgId: string, resource: ResourceRecord, connection: ConnectionRecord, now: string): Promise<void> {
    await this.beforeWrite();
    const { connections } = this.partition(orgId);
    this.transact(
      [() => (connections.has(connection.name) ? new ConflictError(`role name already exists: ${connection.name}`) : undefined), this.sameResource(orgId, resource)],
      () => {
        connections.set(connection.name, structuredClone(connection));
        this.bump(orgId, resource, now, (names) => {
          names[connection.name] = connection.id;
        });
      },
    );
  }

  async replaceConnection(orgId: string, resource: ResourceRecord, connection: ConnectionRecord, now: string): Promise<void> {
    await this.beforeWrite();
    this.transact(
      [() => (this.belongsTo(orgId, resource, connection.name) ? undefined : new NotFoundError('role not found')), this.sameResource(orgId, resource)],
      () => {
        this.partition(orgId).connections.set(connection.name, structuredClone(connection));
        this.bump(orgId, resource, now, () => {});
      },
    );
  }

  async deleteConnection(orgId: string, resource: ResourceRecord, connectionName: string, now: string): Promise<void> {
    await this.beforeWrite();
    this.transact(
      [() => (this.belongsTo(orgId, resource, connectionName) ? undefined : new NotFoundError('role not found')), this.sameResource(orgId, resource)],
      () => {
        this.partition(orgId).connections.delete(connectionName);
        this.bump(orgId, resource, now, (names) => {
          delete names[connectionName];
        });
      },
    );
  }

  async upsertConnections(orgId: string, resource: ResourceRecord, connections: ConnectionRecord[], now: string): Promise<void> {
    await this.beforeWrite();
    const { connections: stored } = this.partition(orgId);
    const free = (connection: ConnectionRecord): Condition => () =>
      !stored.has(connection.name) || this.belongsTo(orgId, resource, connection.name)
        ? undefined
        : new ConflictError(`role name already exists on another resource: ${connection.name}`);
    this.transact([...connections.map(free), this.sameResource(orgId, resource)], () => {
      for (const connection of connections) stored.set(connection.name, structuredClone(connection));
      this.bump(orgId, resource, now, (names) => {
        for (const connection of connections) names[connection.name] = connection.id;
      });
    });
  }
}
