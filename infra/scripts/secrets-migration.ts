import { ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { toConnectionRecord, toResourceRecord } from '../../functions/adapters/dynamodb/resource-items';
import { keys } from '../../functions/adapters/dynamodb/table';
import { sealConnectionSecret, sealResourceSecrets } from '../../functions/core/resources/secrets';
import { isCredentialEnvVar } from '../../functions/core/resources/model';
import { isSealed, type SecretSealer } from '../../functions/core/secrets';

export interface MigrationCounts {
  /** Resource and role items read. */
  scanned: number;
  /** Values encrypted by this run. */
  encrypted: number;
  /** Secret values found encrypted already. */
  already_encrypted: number;
  /** Items changed by someone else between the read and the write (left alone: the service seals what it writes; run again). */
  changed_concurrently: number;
}

interface MigrationOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  sealer: SecretSealer;
  /** Only this org's partition. */
  orgId?: string | undefined;
}

const notSealed = (value: string) => !isSealed(value);

/**
 * Encrypts, in place, every secret value that items written before encryption hold in clear:
 * credential env vars of `RESOURCE#` items and secret values of `ROLE#` items. Each item is one
 * conditional update that sets only the values that were in clear, on condition that they, and the
 * item's identity (which the encryption context names), are still what was read: it is safe next to
 * live traffic, and a second run finds nothing to do.
 */
export async function encryptStoredSecrets({ client, tableName, sealer, orgId }: MigrationOptions): Promise<MigrationCounts> {
  const counts: MigrationCounts = { scanned: 0, encrypted: 0, already_encrypted: 0, changed_concurrently: 0 };
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: `#entity IN (:resource, :role)${orgId === undefined ? '' : ' AND pk = :pk'}`,
        ExpressionAttributeNames: { '#entity': 'entity' },
        ExpressionAttributeValues: { ':resource': 'resource', ':role': 'role', ...(orgId === undefined ? {} : { ':pk': keys.partition(orgId) }) },
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    for (const item of page.Items ?? []) {
      counts.scanned++;
      const org = String(item.pk).replace(/^ORG#/, '');
      const { attribute, identity, before, after } =
        item.entity === 'resource'
          ? await (async () => {
              const resource = toResourceRecord(item);
              const credentials = Object.fromEntries(Object.entries(resource.env_vars ?? {}).filter(([key, value]) => isCredentialEnvVar(key, value)));
              const sealed = await sealResourceSecrets(sealer, org, { ...resource, env_vars: credentials }, notSealed);
              return { attribute: 'env_vars', identity: { name: 'id', value: resource.id }, before: credentials, after: sealed.env_vars };
            })()
          : await (async () => {
              const connection = toConnectionRecord(item);
              const sealed = await sealConnectionSecret(sealer, org, { ...connection, secret: connection.secret ?? {} }, notSealed);
              return { attribute: 'secret', identity: { name: 'resource_id', value: connection.resource_id }, before: connection.secret ?? {}, after: sealed.secret };
            })();
      const changed = Object.keys(before).filter((key) => before[key] !== after[key]);
      counts.already_encrypted += Object.values(before).filter(isSealed).length;
      if (changed.length === 0) continue;
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: item.pk, sk: item.sk },
            UpdateExpression: `SET ${changed.map((_, index) => `#attr.#k${index} = :sealed${index}`).join(', ')}`,
            ConditionExpression: [`#identity = :identity`, ...changed.map((_, index) => `#attr.#k${index} = :clear${index}`)].join(' AND '),
            ExpressionAttributeNames: { '#attr': attribute, '#identity': identity.name, ...Object.fromEntries(changed.map((key, index) => [`#k${index}`, key])) },
            ExpressionAttributeValues: {
              ':identity': identity.value,
              ...Object.fromEntries(changed.flatMap((key, index) => [[`:sealed${index}`, after[key]], [`:clear${index}`, before[key]]])),
            },
          }),
        );
        counts.encrypted += changed.length;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        counts.changed_concurrently++;
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return counts;
}
