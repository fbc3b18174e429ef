import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, ScanCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../functions/adapters/dynamodb/table';

/**
 * Every item of the given entities (`resource`, `role`…), page after page, consistently read; only one
 * org's partition when `orgId` is given. The one-off scripts walk the table with it.
 */
export async function* itemsOf(
  client: DynamoDBDocumentClient,
  tableName: string,
  entities: string[],
  orgId: string | undefined,
): AsyncGenerator<Record<string, unknown>> {
  const values = Object.fromEntries(entities.map((entity, index) => [`:entity${index}`, entity]));
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: `#entity IN (${Object.keys(values).join(', ')})${orgId === undefined ? '' : ' AND pk = :pk'}`,
        ExpressionAttributeNames: { '#entity': 'entity' },
        ExpressionAttributeValues: { ...values, ...(orgId === undefined ? {} : { ':pk': keys.partition(orgId) }) },
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    yield* page.Items ?? [];
    start = page.LastEvaluatedKey;
  } while (start);
}

/** The org of an item of an org's partition. */
export const orgOf = (item: Record<string, unknown>): string => String(item.pk).replace(/^ORG#/, '');

/** A conditional update: false when its condition no longer holds (someone changed the item since it was read). */
export async function updatedIfUnchanged(client: DynamoDBDocumentClient, input: UpdateCommandInput): Promise<boolean> {
  try {
    await client.send(new UpdateCommand(input));
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
