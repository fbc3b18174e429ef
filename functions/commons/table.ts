import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { BadRequestError } from './errors';

/**
 * Single-table keys. Every item of an org lives in the partition `ORG#<org>`, so every read is a
 * GetItem or a Query on that partition and no org can reach another's items.
 */
export const keys = {
  partition: (orgId: string) => `ORG#${orgId}`,
  resource: (name: string) => `RESOURCE#${name}`,
  role: (name: string) => `ROLE#${name}`,
  session: (id: string) => `SESSION#${id}`,
  /** What an apply needs of a plan; expires (TTL) while the plan's session stays. */
  plan: (sid: string) => `PLAN#${sid}`,
} as const;

export const SORT_PREFIX = { resource: 'RESOURCE#', role: 'ROLE#', session: 'SESSION#' } as const;

/**
 * Page tokens are opaque to clients: base64url JSON of the last sort key read. A token is checked
 * against the listing it belongs to, so a forged one can only move the cursor inside the caller's
 * own partition and listing.
 */
export function encodePageToken(sortKey: string): string {
  return Buffer.from(JSON.stringify({ v: 1, sk: sortKey }), 'utf8').toString('base64url');
}

export function decodePageToken(token: string | undefined, prefix: string): string | undefined {
  if (token === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'v' in parsed &&
      parsed.v === 1 &&
      'sk' in parsed &&
      typeof parsed.sk === 'string' &&
      parsed.sk.startsWith(prefix)
    ) {
      return parsed.sk;
    }
  } catch {
    // Falls through to the 400 below.
  }
  throw new BadRequestError('invalid next_token', [{ path: 'next_token', message: 'not a token of this listing' }]);
}

/** The cancellation reason codes of a failed transaction, one per item, or undefined. */
export function cancellationReasons(error: unknown): (string | undefined)[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).map((reason) => reason.Code);
}

const TRANSIENT_REASONS = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']);

/**
 * Runs a transaction, again when it lost to a concurrent one (TransactionConflict), which DynamoDB
 * reports as a cancellation rather than a retryable error. Condition failures are not retried.
 */
export async function withTransactionRetry<T>(write: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      const reasons = cancellationReasons(error);
      const transient = reasons?.some((code) => code !== undefined && TRANSIENT_REASONS.has(code));
      const conditionFailed = reasons?.includes('ConditionalCheckFailed');
      if (!transient || conditionFailed || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * 2 ** attempt));
    }
  }
}

/** The table's key schema and TTL attribute; the CDK stack and the local stack both read these. */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds after which DynamoDB may delete the item (expired plans, leases). */
  ttlAttribute: 'ttl',
} as const;

/**
 * The idempotency table (Powertools Idempotency's layout): first answers to POSTs with an
 * Idempotency-Key, by hashed key, deleted by TTL after 24 h. Apart from the service table, so that
 * its short-lived records never mix with the org partitions.
 */
export const IDEMPOTENCY_TABLE_SCHEMA = {
  partitionKey: 'id',
  ttlAttribute: 'expiration',
} as const;

export interface PartitionPageRequest {
  orgId: string;
  /** The listing: items whose sort key starts with it. */
  prefix: string;
  pageSize: number;
  nextToken?: string;
  /** A DynamoDB filter, applied while reading; the page is still filled. */
  filter?: { expression: string; values: Record<string, unknown>; names?: Record<string, string> };
  newestFirst?: boolean;
}

/**
 * One page of a listing in the org's partition, in sort-key order. The loop reads on until the page
 * is full or the listing is exhausted, so a filtered page is never short while more items match, and
 * the cursor is the last item returned, so following it never skips an item.
 */
export async function queryPartitionPage(
  client: DynamoDBDocumentClient,
  tableName: string,
  request: PartitionPageRequest,
): Promise<{ items: Record<string, unknown>[]; nextToken: string | null }> {
  const after = decodePageToken(request.nextToken, request.prefix);
  const partition = keys.partition(request.orgId);
  const found: Record<string, unknown>[] = [];
  let exclusiveStartKey: Record<string, unknown> | undefined = after ? { pk: partition, sk: after } : undefined;
  do {
    const result = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: request.filter?.expression,
        ExpressionAttributeNames: request.filter?.names,
        ExpressionAttributeValues: { ':pk': partition, ':prefix': request.prefix, ...request.filter?.values },
        ExclusiveStartKey: exclusiveStartKey,
        Limit: request.pageSize + 1 - found.length,
        ScanIndexForward: !request.newestFirst,
        ConsistentRead: true,
      }),
    );
    found.push(...(result.Items ?? []));
    exclusiveStartKey = result.LastEvaluatedKey;
  } while (exclusiveStartKey && found.length <= request.pageSize);

  if (found.length <= request.pageSize) return { items: found, nextToken: null };
  const page = found.slice(0, request.pageSize);
  return { items: page, nextToken: encodePageToken(String(page[page.length - 1]?.sk)) };
}
