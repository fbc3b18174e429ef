import type { ConnectionRecord, ResourceRecord } from '../../core/resources/model';
import { type ItemToWrite, keys } from './table';

/**
 * How resources and their connections are laid out as items of the org's partition. The items keep
 * the names of the HTTP API, which calls a connection a role: a connection is a `ROLE#<name>` item of
 * entity `role`, and a resource lists its connections in `role_names`. Items already stored read as
 * they are, so these names stay.
 */

const searchText = (resource: Pick<ResourceRecord, 'name' | 'type' | 'subtype'>) =>
  [resource.name, resource.type, resource.subtype].join('\n').toLowerCase();

export function resourceItem(orgId: string, resource: ResourceRecord): ItemToWrite {
  const { connection_names, ...fields } = resource;
  return {
    label: `resource ${JSON.stringify(resource.name)}`,
    item: {
      pk: keys.partition(orgId),
      sk: keys.resource(resource.name),
      entity: 'resource',
      search_text: searchText(resource),
      ...fields,
      role_names: connection_names,
    },
  };
}

export function connectionItem(orgId: string, connection: ConnectionRecord): ItemToWrite {
  return {
    label: `role ${JSON.stringify(connection.name)}`,
    item: { pk: keys.partition(orgId), sk: keys.role(connection.name), entity: 'role', ...connection },
  };
}

/**
 * The resource item as a change of its connections leaves it (`role_names`, version, updated_at), to
 * check its size before the write.
 */
export function resourceItemAfter(orgId: string, resource: ResourceRecord, now: string, added: ConnectionRecord[] = []): ItemToWrite {
  const names = { ...resource.connection_names, ...Object.fromEntries(added.map((connection) => [connection.name, connection.id])) };
  return resourceItem(orgId, { ...resource, connection_names: names, version: resource.version + 1, updated_at: now });
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
    version: item.version,
    created_at: item.created_at,
    updated_at: item.updated_at,
  } as ResourceRecord;
}

export function toConnectionRecord(item: Record<string, unknown>): ConnectionRecord {
  const { pk: _pk, sk: _sk, entity: _entity, ...connection } = item;
  return connection as unknown as ConnectionRecord;
}
