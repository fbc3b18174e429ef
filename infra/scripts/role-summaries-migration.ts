import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { summariesOf, toResourceRecord } from '../../functions/adapters/dynamodb/resource-items';
import { ResourceStore } from '../../functions/adapters/dynamodb/resource-store';
import { transactionFits } from '../../functions/adapters/dynamodb/table';
import { toConnectionSummary } from '../../functions/core/resources/model';
import { itemsOf, orgOf, updatedIfUnchanged } from './scan';

export interface RoleSummaryCounts {
  /** Resource items read. */
  scanned: number;
  /** Resources given the summaries of their roles by this run. */
  summarized: number;
  /** Resources that had them, or have no roles (nothing to keep). */
  already_summarized: number;
  /** Resources whose item would be over 400 KB with them: reads keep fetching their roles. */
  too_large: number;
  /** Resources changed by someone else between the read and the write (left alone; run again). */
  changed_concurrently: number;
}

interface MigrationOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Only this org's partition. */
  orgId?: string | undefined;
}

/**
 * Gives each resource item written before role summaries existed the summaries of its roles
 * (`role_views`: every setting, the secret's keys, never its values), so that reading it needs no
 * other read. Each is one update on condition that the resource is still at the version read (every
 * change of its roles moves it) and still has no summaries: safe next to live traffic, and a second
 * run finds nothing to do.
 */
export async function summarizeStoredRoles({ client, tableName, orgId }: MigrationOptions): Promise<RoleSummaryCounts> {
  const counts: RoleSummaryCounts = { scanned: 0, summarized: 0, already_summarized: 0, too_large: 0, changed_concurrently: 0 };
  const store = new ResourceStore(client, tableName);
  for await (const item of itemsOf(client, tableName, ['resource'], orgId)) {
    counts.scanned++;
    const resource = toResourceRecord(item);
    if (summariesOf(resource)) {
      counts.already_summarized++;
      continue;
    }
    const connections = (await store.getConnectionsOf(orgOf(item), [resource])).get(resource.id) ?? [];
    const summaries = Object.fromEntries(connections.map((connection) => [connection.name, toConnectionSummary(connection)]));
    const summarized = { ...resource, connection_summaries: summaries };
    if (!summariesOf(summarized)) {
      // A role listed but not read as the resource's: changed since the scan read the resource.
      counts.changed_concurrently++;
      continue;
    }
    // The item as it is, with the summaries: its size is what DynamoDB would count after the update.
    if (!transactionFits([{ label: resource.name, item: { ...item, role_views: summaries } }])) {
      counts.too_large++;
      continue;
    }
    const updated = await updatedIfUnchanged(client, {
      TableName: tableName,
      Key: { pk: item.pk, sk: item.sk },
      UpdateExpression: 'SET role_views = :views',
      ConditionExpression: 'version = :version AND attribute_not_exists(role_views)',
      ExpressionAttributeValues: { ':views': summaries, ':version': resource.version },
    });
    if (updated) counts.summarized++;
    else counts.changed_concurrently++;
  }
  return counts;
}
