import { ConflictError } from '../errors';
import type { ConnectionRecord, ConnectionSummary, ResourceRecord } from './model';

export type { SessionWriter } from '../audit/ports';

/**
 * A write lost to a concurrent change of the same resource (its version moved, or it was renamed or
 * deleted since it was read): the use case reads the resource again and retries.
 */
export class StaleResourceError extends Error {
  override name = 'StaleResourceError';
}

/** The org already has a resource of that name. */
export class ResourceNameTakenError extends ConflictError {
  constructor() {
    super('resource name already exists');
  }
}

export interface ResourceListQuery {
  pageSize: number;
  nextToken?: string | undefined;
  /** Case-insensitive, on name, type and subtype. */
  search?: string | undefined;
}

export interface ResourcePage {
  resources: ResourceRecord[];
  /** Null on the last page. */
  nextToken: string | null;
}

/**
 * Where resources and their connections are kept, one org at a time. Connection names are unique in
 * the org, not only in their resource. Every write is all or nothing, and what it is refused for is
 * part of the contract:
 * - a resource name taken: `ResourceNameTakenError`;
 * - a connection name taken: `ConflictError` naming it;
 * - a connection that is not (or no longer) the resource's: `NotFoundError('role not found')`;
 * - the resource changed since it was read: `StaleResourceError`;
 * - an item or a write over the store's size limits: `TooLargeError`.
 */
export interface ResourceStorePort {
  getResource(orgId: string, name: string): Promise<ResourceRecord | undefined>;
  listResources(orgId: string, query: ResourceListQuery): Promise<ResourcePage>;
  /** The resource with all its connections. */
  createResource(orgId: string, resource: ResourceRecord, connections: ConnectionRecord[]): Promise<void>;
  /** Replaces a resource read at `current.version`; a new name carries its connections. */
  replaceResource(orgId: string, current: ResourceRecord, next: ResourceRecord): Promise<void>;
  /** Deletes a resource read at `current.version`. */
  deleteResource(orgId: string, current: ResourceRecord): Promise<void>;

  /** A connection by its name, whichever resource of the org it belongs to. */
  getConnection(orgId: string, name: string): Promise<ConnectionRecord | undefined>;
  /** The connections of some resources, by resource id (every one of them has an entry). */
  getConnectionsOf(orgId: string, resources: ResourceRecord[]): Promise<Map<string, ConnectionRecord[]>>;
  /**
   * What masked answers need of the connections of some resources, by resource id (every one has an
   * entry): from the resources' own summaries when they have them, without another read.
   */
  getConnectionSummariesOf(orgId: string, resources: ResourceRecord[]): Promise<Map<string, ConnectionSummary[]>>;
  /** Adds a connection to a resource; `now` becomes the resource's `updated_at`. */
  createConnection(orgId: string, resource: ResourceRecord, connection: ConnectionRecord, now: string): Promise<void>;
  /** Replaces a connection of the resource. */
  replaceConnection(orgId: string, resource: ResourceRecord, connection: ConnectionRecord, now: string): Promise<void>;
  deleteConnection(orgId: string, resource: ResourceRecord, connectionName: string, now: string): Promise<void>;
  /** Creates connections of the resource, or replaces those it has; a name held by another resource is a conflict. */
  upsertConnections(orgId: string, resource: ResourceRecord, connections: ConnectionRecord[], now: string): Promise<void>;
}
