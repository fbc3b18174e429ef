import { BatchGetCommand, GetCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../../core/errors';
import { retry } from '../../core/retry';
import {
  assertItemFits,
  assertTransactionFits,
  cancellationReasons,
  type ItemToWrite,
  keys,
  queryPartitionPage,
  SORT_PREFIX,
  withTransactionRetry,
  BATCH_RETRY,
  UnprocessedBatchError,
} from './table';
import type { ResourceRecord, RoleRecord } from '../../core/resources/model';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A write lost to a concurrent change of the same resource; the use case reads again and retries. */
export class StaleResourceError extends Error {
  override name = 'StaleResourceError';
}

export interface ResourcePage {
  resources: ResourceRecord[];
  nextToken: string | null;
}

const searchText = (resource: Pick<ResourceRecord, 'name' | 'type' | 'subtype'>) =>
  [resource.name, resource.type, resource.subtype].join('\n').toLowerCase();

const RESOURCE_FIELDS = ['id', 'name', 'type', 'subtype', 'env_vars', 'agent_id', 'role_names', 'version', 'created_at', 'updated_at'] as const;

function toResourceRecord(item: Record<string, unknown>): ResourceRecord {
  return Object.fromEntries(RESOURCE_FIELDS.map((field) => [field, item[field]])) as unknown as ResourceRecord;
}

function toRoleRecord(item: Record<string, unknown>): RoleRecord {
  const { pk: _pk, sk: _sk, entity: _entity, ...role } = item;
  return role as unknown as RoleRecord;
}

/** Resources and roles in DynamoDB. Uniqueness and concurrent changes are conditional transactions. */
export class ResourceStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private resourceItem(orgId: string, resource: ResourceRecord): ItemToWrite {
    return {
      label: `resource ${JSON.stringify(resource.name)}`,
      item: { pk: keys.partition(orgId), sk: keys.resource(resource.name), entity: 'resource', search_text: searchText(resource), ...resource },
    };
  }

  private roleItem(orgId: string, role: RoleRecord): ItemToWrite {
    return { label: `role ${JSON.stringify(role.name)}`, item: { pk: keys.partition(orgId), sk: keys.role(role.name), entity: 'role', ...role } };
  }

  /** The resource item as a role change leaves it (role_names, version, updated_at), to check its size before the write. */
  private resourceItemAfter(orgId: string, resource: ResourceRecord, now: string, added: RoleRecord[] = []): ItemToWrite {
    const roleNames = { ...resource.role_names, ...Object.fromEntries(added.map((role) => [role.name, role.id])) };
    return this.resourceItem(orgId, { ...resource, role_names: roleNames, version: resource.version + 1, updated_at: now });
  }

  /** The resource and all its roles, or nothing: one transaction with a uniqueness check per name. */
  async createResource(orgId: string, resource: ResourceRecord, roles: RoleRecord[]): Promise<void> {
    const resourceItem = this.resourceItem(orgId, resource);
    const roleItems = roles.map((role) => this.roleItem(orgId, role));
    assertTransactionFits(`${resourceItem.label} with its ${roles.length} roles`, [resourceItem, ...roleItems]);
    const items: TransactItem[] = [resourceItem, ...roleItems].map(({ item }) => ({
      Put: { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(sk)' },
    }));
    try {
      await withTransactionRetry(() => this.client.send(new TransactWriteCommand({ TransactItems: items })));
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons?.[0] === 'ConditionalCheckFailed') throw new ConflictError('resource name already exists');
      const roleIndex = reasons?.slice(1).indexOf('ConditionalCheckFailed') ?? -1;
      if (roleIndex >= 0) throw new ConflictError(`role name already exists: ${roles[roleIndex]?.name}`);
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

  async getRole(orgId: string, name: string): Promise<RoleRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: keys.partition(orgId), sk: keys.role(name) }, ConsistentRead: true }),
    );
    return Item ? toRoleRecord(Item) : undefined;
  }

  /** The roles of some resources, by their names: BatchGetItem in chunks of 100, unprocessed keys retried. */
  async getRolesOf(orgId: string, resources: ResourceRecord[]): Promise<Map<string, RoleRecord[]>> {
    const byResource = new Map<string, RoleRecord[]>(resources.map((resource) => [resource.id, []]));
    const names = resources.flatMap((resource) => Object.keys(resource.role_names ?? {}));
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
            const role = toRoleRecord(item);
            byResource.get(role.resource_id)?.push(role);
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
  async listResources(orgId: string, options: { pageSize: number; nextToken?: string; search?: string }): Promise<ResourcePage> {
    const search = options.search?.toLowerCase();
    const page = await queryPartitionPage(this.client, this.tableName, {
      orgId,
      prefix: SORT_PREFIX.resource,
      pageSize: options.pageSize,
      nextToken: options.nextToken,
      filter: search ? { expression: 'contains(search_text, :search)', values: { ':search': search } } : undefined,
    });
    return { resources: page.items.map(toResourceRecord), nextToken: page.nextToken };
  }

  /**
   * Replaces a resource read at `current.version`. A rename moves the item to its new key in the same
   * transaction (roles point at the resource id, so they follow without being rewritten).
   */
  async replaceResource(orgId: string, current: ResourceRecord, next: ResourceRecord): Promise<void> {
    const nextItem = this.resourceItem(orgId, next);
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
      if (reasons?.[1] === 'ConditionalCheckFailed') throw new ConflictError('resource name already exists');
      if (reasons?.[0] === 'ConditionalCheckFailed') throw new StaleResourceError();
      throw error;
    }
  }

  /** Deletes a resource read at `current.version` that has no roles. */
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

  private bumpResource(orgId: string, resource: ResourceRecord, now: string, roleChange: { add?: RoleRecord; remove?: string }): TransactItem {
    const roleName = roleChange.add?.name ?? roleChange.remove ?? '';
    return {
      Update: {
        TableName: this.tableName,
        Key: { pk: keys.partition(orgId), sk: keys.resource(resource.name) },
        UpdateExpression: roleChange.add
          ? 'SET role_names.#role = :roleId, version = version + :one, updated_at = :now'
          : roleChange.remove
            ? 'REMOVE role_names.#role SET version = version + :one, updated_at = :now'
            : 'SET version = version + :one, updated_at = :now',
        ConditionExpression: 'id = :resourceId',
        ExpressionAttributeNames: roleChange.add || roleChange.remove ? { '#role': roleName } : undefined,
        ExpressionAttributeValues: {
          ':resourceId': resource.id,
          ':one': 1,
          ':now': now,
          ...(roleChange.add ? { ':roleId': roleChange.add.id } : {}),
        },
      },
    };
  }

  /** Adds a role to a resource; its name must be free in the org. */
  async createRole(orgId: string, resource: ResourceRecord, role: RoleRecord, now: string): Promise<void> {
    const roleItem = this.roleItem(orgId, role);
    assertTransactionFits(roleItem.label, [roleItem, this.resourceItemAfter(orgId, resource, now, [role])]);
    await this.transact(
      [
        { Put: { TableName: this.tableName, Item: roleItem.item, ConditionExpression: 'attribute_not_exists(sk)' } },
        this.bumpResource(orgId, resource, now, { add: role }),
      ],
      (index) => (index === 0 ? new ConflictError(`role name already exists: ${role.name}`) : new StaleResourceError()),
    );
  }

  /** Replaces a role that belongs to the resource. */
  async replaceRole(orgId: string, resource: ResourceRecord, role: RoleRecord, now: string): Promise<void> {
    const roleItem = this.roleItem(orgId, role);
    assertTransactionFits(roleItem.label, [roleItem, this.resourceItemAfter(orgId, resource, now)]);
    await this.transact(
      [
        {
          Put: {
            TableName: this.tableName,
            Item: roleItem.item,
            ConditionExpression: 'resource_id = :resourceId',
            ExpressionAttributeValues: { ':resourceId': resource.id },
          },
        },
        this.bumpResource(orgId, resource, now, {}),
      ],
      (index) => (index === 0 ? new NotFoundError('role not found') : new StaleResourceError()),
    );
  }

  async deleteRole(orgId: string, resource: ResourceRecord, roleName: string, now: string): Promise<void> {
    await this.transact(
      [
        {
          Delete: {
            TableName: this.tableName,
            Key: { pk: keys.partition(orgId), sk: keys.role(roleName) },
            ConditionExpression: 'resource_id = :resourceId',
            ExpressionAttributeValues: { ':resourceId': resource.id },
          },
        },
        this.bumpResource(orgId, resource, now, { remove: roleName }),
      ],
      (index) => (index === 0 ? new NotFoundError('role not found') : new StaleResourceError()),
    );
  }

  /**
   * Creates or replaces roles the service manages (provisioned credentials) on a resource. A role name
   * held by another resource of the org is a conflict; an existing role of this resource is replaced.
   */
  async upsertRoles(orgId: string, resource: ResourceRecord, roles: RoleRecord[], now: string): Promise<void> {
    const names = Object.fromEntries(roles.map((role, index) => [`#role${index}`, role.name]));
    const assignments = roles.map((_, index) => `role_names.#role${index} = :roleId${index}`);
    const roleItems = roles.map((role) => this.roleItem(orgId, role));
    const resourceAfter = this.resourceItemAfter(orgId, resource, now, roles);
    assertTransactionFits(`the ${roles.length} roles of ${resourceAfter.label}`, [...roleItems, resourceAfter]);
    await this.transact(
      [
        ...roleItems.map(({ item }) => ({
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
              ...Object.fromEntries(roles.map((role, index) => [`:roleId${index}`, role.id])),
            },
          },
        },
      ],
      (index) =>
        index < roles.length
          ? new ConflictError(`role name already exists on another resource: ${roles[index]?.name}`)
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
