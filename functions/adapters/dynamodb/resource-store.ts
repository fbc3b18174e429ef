import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../../core/errors';
import { retry } from '../../core/retry';
import {
  assertTransactionFits,
  cancellationReasons,
  keys,
  queryPartitionPage,
  SORT_PREFIX,
  type ItemToWrite,
  withTransactionRetry,
  BATCH_RETRY,
  UnprocessedBatchError,
} from './table';
import { type ConnectionRecord, type ConnectionSummary, type ResourceRecord, toConnectionSummary } from '../../core/resources/model';
import { type ResourceListQuery, ResourceNameTakenError, type ResourcePage, type ResourceStorePort, StaleResourceError } from '../../core/resources/ports';
import {
  connectionItem,
  knownSummaries,
  resourceAfter,
  resourceItemFitting,
  summariesOf,
  toConnectionRecord,
  toResourceRecord,
} from './resource-items';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The conditions a write was refused for, one reason per item, as a transaction reports them; undefined for any other error. */
function refusedConditions(error: unknown): (string | undefined)[] | undefined {
  if (error instanceof ConditionalCheckFailedException) return ['ConditionalCheckFailed'];
  return cancellationReasons(error);
}

/** Resources and their connections in DynamoDB. Uniqueness and concurrent changes are conditional writes (transactions when they span items). */
export class ResourceStore implements ResourceStorePort {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The resource and all its connections (their summaries on the resource), or nothing: one write with a uniqueness check per name. */
  async createResource(orgId: string, resource: ResourceRecord, connections: ConnectionRecord[]): Promise<void> {
    const connectionItems = connections.map((connection) => connectionItem(orgId, connection));
    const summaries = Object.fromEntries(connections.map((connection) => [connection.name, toConnectionSummary(connection)]));
    const resourceToWrite = resourceItemFitting(orgId, { ...resource, connection_summaries: summaries }, connectionItems).resource;
    assertTransactionFits(`${resourceToWrite.label} with its ${connections.length} roles`, [resourceToWrite, ...connectionItems]);
    const items: TransactItem[] = [resourceToWrite, ...connectionItems].map(({ item }) => ({
      Put: { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(sk)' },
    }));
    try {
      await this.write(items);
    } catch (error) {
      const reasons = refusedConditions(error);
      if (reasons?.[0] === 'ConditionalCheckFailed') throw new ResourceNameTakenError();
      const connectionIndex = reasons?.slice(1).indexOf('ConditionalCheckFailed') ?? -1;
      if (connectionIndex >= 0) throw new ConflictError(`role name already exists: ${connections[connectionIndex]?.name}`);
      throw error;
    }
  }

  async getResource(orgId: string, name: string): Promise<ResourceRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.partition(orgId), sk: keys.resource(name) },
        ConsistentRead: true,
      }),
    );
    return Item ? toResourceRecord(Item) : undefined;
  }

  async getConnection(orgId: string, name: string): Promise<ConnectionRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: keys.partition(orgId), sk: keys.role(name) }, ConsistentRead: true }),
    );
    return Item ? toConnectionRecord(Item) : undefined;
  }

  /** The connections of some resources, by their names: BatchGetItem in chunks of 100, unprocessed keys retried. */
  async getConnectionsOf(orgId: string, resources: ResourceRecord[]): Promise<Map<string, ConnectionRecord[]>> {
    const byResource = new Map<string, ConnectionRecord[]>(resources.map((resource) => [resource.id, []]));
    const names = resources.flatMap((resource) => Object.keys(resource.connection_names ?? {}));
    for (let start = 0; start < names.length; start += 100) {
      let requestKeys: Record<string, unknown>[] = names
        .slice(start, start + 100)
        .map((name) => ({ pk: keys.partition(orgId), sk: keys.role(name) }));
      await retry(
        async () => {
          const result = await this.client.send(
            new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: requestKeys, ConsistentRead: true } } }),
          );
          for (const item of result.Responses?.[this.tableName] ?? []) {
            const connection = toConnectionRecord(item);
            byResource.get(connection.resource_id)?.push(connection);
          }
          requestKeys = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
          if (requestKeys.length > 0) throw new UnprocessedBatchError(`${requestKeys.length} role items were left unprocessed`);
        },
        { ...BATCH_RETRY, retryable: (error) => error instanceof UnprocessedBatchError },
      );
    }
    return byResource;
  }

  /** The summaries of the connections of some resources: those the resources keep, read from the connection items for the others. */
  async getConnectionSummariesOf(orgId: string, resources: ResourceRecord[]): Promise<Map<string, ConnectionSummary[]>> {
    const byResource = new Map<string, ConnectionSummary[]>();
    const withoutSummaries: ResourceRecord[] = [];
    for (const resource of resources) {
      const summaries = summariesOf(resource);
      if (summaries) byResource.set(resource.id, summaries);
      else withoutSummaries.push(resource);
    }
    if (withoutSummaries.length === 0) return byResource;
    for (const [resourceId, connections] of await this.getConnectionsOf(orgId, withoutSummaries)) {
      byResource.set(resourceId, connections.map(toConnectionSummary));
    }
    return byResource;
  }

  /** A page of resources in name order, optionally searched (name, type, subtype). */
  async listResources(orgId: string, query: ResourceListQuery): Promise<ResourcePage> {
    const search = query.search?.toLowerCase();
    const page = await queryPartitionPage(this.client, this.tableName, {
      orgId,
      prefix: SORT_PREFIX.resource,
      pageSize: query.pageSize,
      nextToken: query.nextToken,
      filter: search ? { expression: 'contains(search_text, :search)', values: { ':search': search } } : undefined,
    });
    return { resources: page.items.map(toResourceRecord), nextToken: page.nextToken };
  }

  /**
   * Replaces a resource read at `current.version`. A rename moves the item to its new key in the same
   * transaction (connections point at the resource id, so they follow without being rewritten).
   */
  async replaceResource(orgId: string, current: ResourceRecord, next: ResourceRecord): Promise<void> {
    // The version check below makes sure the summaries read with `current` are still those of its connections.
    const nextItem = resourceItemFitting(orgId, { ...next, connection_summaries: knownSummaries(current) }).resource;
    assertTransactionFits(nextItem.label, [nextItem]);
    const versionCheck = {
      ConditionExpression: 'version = :version',
      ExpressionAttributeValues: { ':version': current.version },
    };
    const items: TransactItem[] =
      current.name === next.name
        ? [{ Put: { TableName: this.tableName, Item: nextItem.item, ...versionCheck } }]
        : [
            {
              Delete: {
                TableName: this.tableName,
                Key: { pk: keys.partition(orgId), sk: keys.resource(current.name) },
                ...versionCheck,
              },
            },
            {
              Put: { TableName: this.tableName, Item: nextItem.item, ConditionExpression: 'attribute_not_exists(sk)' },
            },
          ];
    try {
      await this.write(items);
    } catch (error) {
      const reasons = refusedConditions(error);
      if (reasons?.[1] === 'ConditionalCheckFailed') throw new ResourceNameTakenError();
      if (reasons?.[0] === 'ConditionalCheckFailed') throw new StaleResourceError();
      throw error;
    }
  }

  /** Deletes a resource read at `current.version` (the use case has checked that it has no connections). */
  async deleteResource(orgId: string, current: ResourceRecord): Promise<void> {
    await this.transact(
      [
        {
          Delete: {
            TableName: this.tableName,
            Key: { pk: keys.partition(orgId), sk: keys.resource(current.name) },
            ConditionExpression: 'version = :version',
            ExpressionAttributeValues: { ':version': current.version },
          },
        },
      ],
      () => new StaleResourceError(),
    );
  }

  /**
   * The update of the resource item that goes with a change of its connections, in the same
   * transaction as `written` (the connection items): it must still be the same resource. Its
   * `role_views` follow the change entry by entry; the whole map is written when the resource had no
   * connections (on condition that it is still at the version read), and removed when it would no
   * longer fit, after which reads fall back to the connection items. A resource stored without summaries is left
   * without them, on condition that none were added since (by the migration).
   */
  private resourceUpdate(
    orgId: string,
    resource: ResourceRecord,
    now: string,
    change: { put?: ConnectionRecord[]; remove?: string },
    written: ItemToWrite[],
    label: string,
  ): TransactItem {
    const put = change.put ?? [];
    const after = resourceAfter(resource, now, change);
    const { resource: afterItem, withSummaries } = resourceItemFitting(orgId, after, written);
    assertTransactionFits(label, [...written, afterItem]);

    const known = knownSummaries(resource);
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':resourceId': resource.id, ':one': 1, ':now': now };
    const sets = ['version = version + :one', 'updated_at = :now'];
    const removes: string[] = [];
    const conditions = ['id = :resourceId'];
    put.forEach((connection, index) => {
      names[`#role${index}`] = connection.name;
      values[`:roleId${index}`] = connection.id;
      sets.push(`role_names.#role${index} = :roleId${index}`);
    });
    if (change.remove !== undefined) {
      names['#removed'] = change.remove;
      removes.push('role_names.#removed');
    }
    if (withSummaries && known && Object.keys(known).length > 0) {
      put.forEach((connection, index) => {
        values[`:view${index}`] = after.connection_summaries?.[connection.name];
        sets.push(`role_views.#role${index} = :view${index}`);
      });
      if (change.remove !== undefined) removes.push('role_views.#removed');
      conditions.push('attribute_exists(role_views)');
    } else if (withSummaries) {
      values[':views'] = after.connection_summaries;
      values[':version'] = resource.version;
      sets.push('role_views = :views');
      conditions.push('version = :version');
    } else if (known) {
      removes.push('role_views');
    } else {
      conditions.push('attribute_not_exists(role_views)');
    }
    return {
      Update: {
        TableName: this.tableName,
        Key: { pk: keys.partition(orgId), sk: keys.resource(resource.name) },
        UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: Object.keys(names).length > 0 ? names : undefined,
        ExpressionAttributeValues: values,
      },
    };
  }

  /** Adds a connection to a resource; its name must be free in the org. */
  async createConnection(orgId: string, resource: ResourceRecord, connection: ConnectionRecord, now: string): Promise<void> {
    const toWrite = connectionItem(orgId, connection);
    await this.transact(
      [
        { Put: { TableName: this.tableName, Item: toWrite.item, ConditionExpression: 'attribute_not_exists(sk)' } },
        this.resourceUpdate(orgId, resource, now, { put: [connection] }, [toWrite], toWrite.label),
      ],
      (index) => (index === 0 ? new ConflictError(`role name already exists: ${connection.name}`) : new StaleResourceError()),
    );
  }

  /** Replaces a connection that belongs to the resource. */
  async replaceConnection(orgId: string, resource: ResourceRecord, connection: ConnectionRecord, now: string): Promise<void> {
    const toWrite = connectionItem(orgId, connection);
    await this.transact(
      [
        {
          Put: {
            TableName: this.tableName,
            Item: toWrite.item,
            ConditionExpression: 'resource_id = :resourceId',
            ExpressionAttributeValues: { ':resourceId': resource.id },
          },
        },
        this.resourceUpdate(orgId, resource, now, { put: [connection] }, [toWrite], toWrite.label),
      ],
      (index) => (index === 0 ? new NotFoundError('role not found') : new StaleResourceError()),
    );
  }

  async deleteConnection(orgId: string, resource: ResourceRecord, connectionName: string, now: string): Promise<void> {
    await this.transact(
      [
        {
          Delete: {
            TableName: this.tableName,
            Key: { pk: keys.partition(orgId), sk: keys.role(connectionName) },
            ConditionExpression: 'resource_id = :resourceId',
            ExpressionAttributeValues: { ':resourceId': resource.id },
          },
        },
        this.resourceUpdate(orgId, resource, now, { remove: connectionName }, [], `resource ${JSON.stringify(resource.name)}`),
      ],
      (index) => (index === 0 ? new NotFoundError('role not found') : new StaleResourceError()),
    );
  }

  /**
   * Creates or replaces connections the service manages (provisioned credentials) on a resource. A
   * name held by another resource of the org is a conflict; an existing connection of this resource is replaced.
   */
  async upsertConnections(orgId: string, resource: ResourceRecord, connections: ConnectionRecord[], now: string): Promise<void> {
    const connectionItems = connections.map((connection) => connectionItem(orgId, connection));
    const label = `the ${connections.length} roles of resource ${JSON.stringify(resource.name)}`;
    await this.transact(
      [
        ...connectionItems.map(({ item }) => ({
          Put: {
            TableName: this.tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(sk) OR resource_id = :resourceId',
            ExpressionAttributeValues: { ':resourceId': resource.id },
          },
        })),
        this.resourceUpdate(orgId, resource, now, { put: connections }, connectionItems, label),
      ],
      (index) =>
        index < connections.length
          ? new ConflictError(`role name already exists on another resource: ${connections[index]?.name}`)
          : new StaleResourceError(),
    );
  }

  /**
   * Writes the items all or nothing: one item by itself (a conditional write is as atomic as a
   * transaction of one item, which costs DynamoDB twice the capacity and a round of coordination),
   * more in a transaction, again when it lost to a concurrent one.
   */
  private async write(items: TransactItem[]): Promise<void> {
    const [only] = items;
    if (items.length === 1 && only?.Put) await this.client.send(new PutCommand(only.Put));
    else if (items.length === 1 && only?.Delete) await this.client.send(new DeleteCommand(only.Delete));
    else if (items.length === 1 && only?.Update) await this.client.send(new UpdateCommand(only.Update));
    else await withTransactionRetry(() => this.client.send(new TransactWriteCommand({ TransactItems: items })));
  }

  private async transact(items: TransactItem[], onConditionFailed: (index: number) => Error): Promise<void> {
    try {
      await this.write(items);
    } catch (error) {
      const index = refusedConditions(error)?.indexOf('ConditionalCheckFailed') ?? -1;
      if (index >= 0) throw onConditionFailed(index);
      throw error;
    }
  }
}
