import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { toConnectionRecord, toResourceRecord } from '../../functions/adapters/dynamodb/resource-items';
import { sealConnectionSecret, sealResourceSecrets } from '../../functions/core/resources/secrets';
import { isCredentialEnvVar } from '../../functions/core/resources/model';
import { isSealed, type SecretSealer } from '../../functions/core/secrets';
import { itemsOf, orgOf, updatedIfUnchanged } from './scan';

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
  for await (const item of itemsOf(client, tableName, ['resource', 'role'], orgId)) {
    counts.scanned++;
    const org = orgOf(item);
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
    const updated = await updatedIfUnchanged(client, {
      TableName: tableName,
      Key: { pk: item.pk, sk: item.sk },
      UpdateExpression: `SET ${changed.map((_, index) => `#attr.#k${index} = :sealed${index}`).join(', ')}`,
      ConditionExpression: [`#identity = :identity`, ...changed.map((_, index) => `#attr.#k${index} = :clear${index}`)].join(' AND '),
      ExpressionAttributeNames: { '#attr': attribute, '#identity': identity.name, ...Object.fromEntries(changed.map((key, index) => [`#k${index}`, key])) },
      ExpressionAttributeValues: {
        ':identity': identity.value,
        ...Object.fromEntries(changed.flatMap((key, index) => [[`:sealed${index}`, after[key]], [`:clear${index}`, before[key]]])),
      },
    });
    if (updated) counts.encrypted += changed.length;
    else counts.changed_concurrently++;
  }
  return counts;
}
