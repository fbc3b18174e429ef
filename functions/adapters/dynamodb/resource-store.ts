import { BatchGetCommand, GetCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../../core/errors';
import { retry } from '../../core/retry';
import {
  assertItemFits,
  assertTransactionFits,
  cancellationReasons,
  keys,
  queryPartitionPage,
  SORT_PREFIX,
  withTransactionRetry,
  BATCH_RETRY,
  UnprocessedBatchError,
} from './table';
import type { ConnectionRecord, ResourceRecord } from '../../core/resources/model';
import { type ResourceListQuery, ResourceNameTakenError, type ResourcePage, type ResourceStorePort, StaleResourceError } from '../../core/resources/ports';
import { connectionItem, resourceItem, resourceItemAfter, toConnectionRecord, toResourceRecord } from './resource-items';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Resources and their connections in DynamoDB. Uniqueness and concurrent changes are conditional transactions. */
export class ResourceStore implements ResourceStorePort {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The resource and all its connections, or nothing: one transaction with a uniqueness check per name. */
  async createResource(orgId: string, resource: ResourceRecord, connections: ConnectionRecord[]): Promise<void> {
    const resourceToWrite = resourceItem(orgId, resource);
    const connectionItems = connections.map((connection) => connectionItem(orgId, connection));
    assertTransactionFits(`${resourceToWrite.label} with its ${connections.length} roles`, [resourceToWrite, ...connectionItems]);
    const items: TransactItem[] = [resourceToWrite, ...connectionItems].map(({ item }) => ({
      Put: { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(sk)' },
    }));
    try {
      await withTransactionRetry(() => this.client.send(new TransactWriteCommand({ TransactItems: items })));
    } catch (error) {
      const reasons = cancellationReasons(error);
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
    const nextItem = resourceItem(orgId, next);
    assertItemFits(nextItem);
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
      await withTransactionRetry(() => this.client.send(new TransactWriteCommand({ TransactItems: items })));
    } catch (error) {
      const reasons = cancellationReasons(error);
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

  /** The update of a resource item that goes with a change of its connections: it must still be the same resource. */
  private bumpResource(
    orgId: string,
    resource: ResourceRecord,
    now: string,
    change: { add?: ConnectionRecord; remove?: string },
  ): TransactItem {
    const connectionName = change.add?.name ?? change.remove ?? '';
    return {
      Update: {
        TableName: this.tableName,
        Key: { pk: keys.partition(orgId), sk: keys.resource(resource.name) },
        UpdateExpression: change.add
          ? 'SET role_names.#role = :roleId, version = version + :one, updated_at = :now'
          : change.remove
            ? 'REMOVE role_names.#role SET version = version + :one, updated_at = :now'
            : 'SET version = version + :one, updated_at = :now',
        ConditionExpression: 'id = :resourceId',
        ExpressionAttributeNames: change.add || change.remove ? { '#role': connectionName } : undefined,
        ExpressionAttributeValues: {
          ':resourceId': resource.id,
          ':one': 1,
          ':now': now,
          ...(change.add ? { ':roleId': change.add.id } : {}),
        },
      },
    };
  }

  /** Adds a connection to a resource; its name must be free in the org. */
  async createConnection(orgId: string, resource: ResourceRecord, connection: ConnectionRecord, now: string): Promise<void> {
    const toWrite = connectionItem(orgId, connection);
    assertTransactionFits(toWrite.label, [toWrite, resourceItemAfter(orgId, resource, now, [connection])]);
    await this.transact(
      [
        { Put: { TableName: this.tableName, Item: toWrite.item, ConditionExpression: 'attribute_not_exists(sk)' } },
        this.bumpResource(orgId, resource, now, { add: connection }),
      ],
      (index) => (index === 0 ? new ConflictError(`role name already exists: ${connection.name}`) : new StaleResourceError()),
    );
  }

  /** Replaces a connection that belongs to the resource. */
  async replaceConnection(orgId: string, resource: ResourceRecord, connection: ConnectionRecord, now: string): Promise<void> {
    const toWrite = connectionItem(orgId, connection);
    assertTransactionFits(toWrite.label, [toWrite, resourceItemAfter(orgId, resource, now)]);
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
        this.bumpResource(orgId, resource, now, {}),
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
        this.bumpResource(orgId, resource, now, { remove: connectionName }),
      ],
      (index) => (index === 0 ? new NotFoundError('role not found') : new StaleResourceError()),
    );
  }

  /**
   * Creates or replaces connections the service manages (provisioned credentials) on a resource. A
   * name held by another resource of the org is a conflict; an existing connection of this resource is replaced.
   */
  async upsertConnections(orgId: string, resource: ResourceRecord, connections: ConnectionRecord[], now: string): Promise<void> {
    const names = Object.fromEntries(connections.map((connection, index) => [`#role${index}`, connection.name]));
    const assignments = connections.map((_, index) => `role_names.#role${index} = :roleId${index}`);
    const connectionItems = connections.map((connection) => connectionItem(orgId, connection));
    const resourceAfter = resourceItemAfter(orgId, resource, now, connections);
    assertTransactionFits(`the ${connections.length} roles of ${resourceAfter.label}`, [...connectionItems, resourceAfter]);
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
        {
          Update: {
            TableName: this.tableName,
            Key: { pk: keys.partition(orgId), sk: keys.resource(resource.name) },
            UpdateExpression: `SET ${assignments.join(', ')}, version = version + :one, updated_at = :now`,
            ConditionExpression: 'id = :resourceId',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: {
              ':resourceId': resource.id,
              ':one': 1,
              ':now': now,
              ...Object.fromEntries(connections.map((connection, index) => [`:roleId${index}`, connection.id])),
            },
          },
        },
      ],
      (index) =>
        index < connections.length
          ? new ConflictError(`role name already exists on another resource: ${connections[index]?.name}`)
          : new StaleResourceError(),
    );
  }

  private async transact(items: TransactItem[], onConditionFailed: (index: number) => Error): Promise<void> {
    try {
      await withTransactionRetry(() => this.client.send(new TransactWriteCommand({ TransactItems: items })));
    } catch (error) {
      const index = cancellationReasons(error)?.indexOf('ConditionalCheckFailed') ?? -1;
      if (index >= 0) throw onConditionFailed(index);
      throw error;
    }
  }
}
