import { type ConnectionRecord, type ConnectionSummary, type ResourceRecord, toConnectionSummary } from '../../core/resources/model';
import { type ItemToWrite, keys, transactionFits } from './table';

/**
 * How resources and their connections are laid out as items of the org's partition. The items keep
 * the names of the HTTP API, which calls a connection a role: a connection is a `ROLE#<name>` item of
 * entity `role`, and a resource lists its connections in `role_names`. Items already stored read as
 * they are, so these names stay. A resource item also keeps `role_views`, each connection's summary
 * (no secret values), so that one GetItem answers a read of the resource with its connections.
 */

const searchText = (resource: Pick<ResourceRecord, 'name' | 'type' | 'subtype'>) =>
  [resource.name, resource.type, resource.subtype].join('\n').toLowerCase();

export function resourceItem(orgId: string, resource: ResourceRecord): ItemToWrite {
  const { connection_names, connection_summaries, ...fields } = resource;
  return {
    label: `resource ${JSON.stringify(resource.name)}`,
    item: {
      pk: keys.partition(orgId),
      sk: keys.resource(resource.name),
      entity: 'resource',
      search_text: searchText(resource),
      ...fields,
      role_names: connection_names,
      // Left out without connections: such an item is the size it was before summaries existed.
      role_views: connection_summaries && Object.keys(connection_summaries).length > 0 ? connection_summaries : undefined,
    },
  };
}

/**
 * The summaries a resource has: none is needed without connections; undefined when it has connections
 * but no summaries (an item stored before them, or one they would not fit).
 */
export function knownSummaries(resource: ResourceRecord): Record<string, ConnectionSummary> | undefined {
  return resource.connection_summaries ?? (Object.keys(resource.connection_names).length === 0 ? {} : undefined);
}

/**
 * The summary of each of the resource's connections, in `connection_names`, or undefined when one is
 * missing or is of another connection of that name: the caller then reads the connections.
 */
export function summariesOf(resource: ResourceRecord): ConnectionSummary[] | undefined {
  const known = knownSummaries(resource);
  if (!known) return undefined;
  const summaries: ConnectionSummary[] = [];
  for (const [name, id] of Object.entries(resource.connection_names)) {
    const summary = known[name];
    if (summary?.id !== id) return undefined;
    summaries.push(summary);
  }
  return summaries;
}

/**
 * The resource item to write with `others` (the rest of the transaction): with its connection
 * summaries when the item and the transaction still fit DynamoDB's limits, else without them (reads
 * then fall back to the connection items, and a size limit is only ever refused for what it was before).
 */
export function resourceItemFitting(orgId: string, resource: ResourceRecord, others: ItemToWrite[] = []): { resource: ItemToWrite; withSummaries: boolean } {
  const withSummaries = resourceItem(orgId, resource);
  if (resource.connection_summaries !== undefined && transactionFits([...others, withSummaries])) return { resource: withSummaries, withSummaries: true };
  return { resource: resourceItem(orgId, { ...resource, connection_summaries: undefined }), withSummaries: false };
}

/** The resource's summaries with the given connections added (or replaced), undefined if it has none to add to. */
export function summariesWith(resource: ResourceRecord, connections: ConnectionRecord[]): Record<string, ConnectionSummary> | undefined {
  const known = knownSummaries(resource);
  return known && { ...known, ...Object.fromEntries(connections.map((connection) => [connection.name, toConnectionSummary(connection)])) };
}

export function connectionItem(orgId: string, connection: ConnectionRecord): ItemToWrite {
  return {
    label: `role ${JSON.stringify(connection.name)}`,
    item: { pk: keys.partition(orgId), sk: keys.role(connection.name), entity: 'role', ...connection },
  };
}

/**
 * The resource as a change of its connections leaves it (`role_names`, summaries, version,
 * updated_at), to check its size before the write.
 */
export function resourceAfter(resource: ResourceRecord, now: string, change: { put?: ConnectionRecord[]; remove?: string }): ResourceRecord {
  const put = change.put ?? [];
  const names = { ...resource.connection_names, ...Object.fromEntries(put.map((connection) => [connection.name, connection.id])) };
  const summaries = summariesWith(resource, put);
  if (change.remove !== undefined) {
    delete names[change.remove];
    delete summaries?.[change.remove];
  }
  return { ...resource, connection_names: names, connection_summaries: summaries, version: resource.version + 1, updated_at: now };
}

/** Only the resource's fields: the keys, the entity and the search text stay in the table. */
export function toResourceRecord(item: Record<string, unknown>): ResourceRecord {
  return {
    id: item.id,
    name: item.name,
    type: item.type,
    subtype: item.subtype,
    env_vars: item.env_vars,
    agent_id: item.agent_id,
    connection_names: item.role_names,
    connection_summaries: item.role_views,
    version: item.version,
    created_at: item.created_at,
    updated_at: item.updated_at,
  } as ResourceRecord;
}

export function toConnectionRecord(item: Record<string, unknown>): ConnectionRecord {
  const { pk: _pk, sk: _sk, entity: _entity, ...connection } = item;
  return connection as unknown as ConnectionRecord;
}
