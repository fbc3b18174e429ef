import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { InvalidInputError, TooLargeError } from '../../core/errors';
import { type RetryPolicy, retry } from '../../core/retry';

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
  throw new InvalidInputError('invalid next_token', [{ path: 'next_token', message: 'not a token of this listing' }]);
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
export function withTransactionRetry<T>(write: () => Promise<T>, attempts = 6): Promise<T> {
  return retry(write, {
    attempts,
    baseDelayMs: 50,
    maxDelayMs: 1_600,
    retryable: (error) => {
      const reasons = cancellationReasons(error);
      return reasons?.some((code) => code !== undefined && TRANSIENT_REASONS.has(code)) === true && !reasons.includes('ConditionalCheckFailed');
    },
  });
}

/** Some keys or items of a batch were left unprocessed (DynamoDB's answer under load): try those again. */
export class UnprocessedBatchError extends Error {
  override name = 'UnprocessedBatchError';
}

/** Backoff for the unprocessed part of a batch, as the DynamoDB developer guide advises. */
export const BATCH_RETRY: RetryPolicy = { attempts: 10, baseDelayMs: 20, maxDelayMs: 1_280 };

/** DynamoDB's hard limits on what one write may hold (KB and MB are binary here, as in DynamoDB). */
export const DYNAMODB_LIMITS = { itemBytes: 400 * 1024, transactionBytes: 4 * 1024 * 1024, transactionItems: 100 } as const;

const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && [Object.prototype, null].includes(Object.getPrototypeOf(value));

/** A number's size: one byte per two significant digits (leading and trailing zeros trimmed), plus one. */
function numberBytes(value: number): number {
  const significant = (Math.abs(value).toExponential().split('e')[0] ?? '').replace('.', '').replace(/^0+|0+$/g, '');
  return Math.ceil(significant.length / 2) + 1;
}

/** A value's size without its name. */
function valueBytes(value: unknown): number {
  if (typeof value === 'string') return utf8Bytes(value);
  if (typeof value === 'number') return numberBytes(value);
  if (typeof value === 'boolean' || value === null) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  // A list or a map: 3 bytes, and 1 byte per element; a map's elements count their names too.
  if (Array.isArray(value)) return 3 + value.reduce((total: number, element) => total + (element === undefined ? 0 : 1 + valueBytes(element)), 0);
  if (isPlainObject(value)) return 3 + Object.values(value).filter((element) => element !== undefined).length + itemSize(value);
  throw new TypeError('itemSize: not a value the document client stores as it is');
}

/**
 * The size DynamoDB counts for an item, by its documented rules ("DynamoDB item sizes and formats"):
 * the UTF-8 bytes of each attribute name plus the size of its value. Undefined values are left out,
 * as the document client is told to (`removeUndefinedValues`).
 */
export function itemSize(item: Record<string, unknown>): number {
  return Object.entries(item).reduce((total, [name, value]) => (value === undefined ? total : total + utf8Bytes(name) + valueBytes(value)), 0);
}

/** Rounded up, so that an item one byte over 400 KB does not read as 400 KB. */
const kilobytes = (bytes: number) => `${Math.ceil(bytes / 1024)} KB`;

/** One item of a write, named the way a message should name it (`resource "x"`). */
export interface ItemToWrite {
  label: string;
  item: Record<string, unknown>;
}

/** Refuses (413) an item DynamoDB would refuse for its size, before anything is written; its size otherwise. */
export function assertItemFits({ label, item }: ItemToWrite): number {
  const size = itemSize(item);
  if (size > DYNAMODB_LIMITS.itemBytes) {
    throw new TooLargeError(`${label} is too large: ${kilobytes(size)}; DynamoDB items are at most ${kilobytes(DYNAMODB_LIMITS.itemBytes)}`);
  }
  return size;
}

/**
 * Refuses (413) a transaction DynamoDB would refuse: an item over 400 KB, more than 100 items, or more
 * than 4 MB in all. `items` are the items as they will be once written (for an update, the whole item
 * after it), so the check errs on the safe side.
 */
export function assertTransactionFits(label: string, items: ItemToWrite[]): void {
  if (items.length > DYNAMODB_LIMITS.transactionItems) {
    throw new TooLargeError(`${label} is too large: ${items.length} items; DynamoDB transactions hold at most ${DYNAMODB_LIMITS.transactionItems}`);
  }
  const total = items.reduce((sum, item) => sum + assertItemFits(item), 0);
  if (total > DYNAMODB_LIMITS.transactionBytes) {
    throw new TooLargeError(`${label} is too large: ${kilobytes(total)} in one transaction; DynamoDB transactions are at most ${DYNAMODB_LIMITS.transactionBytes / 1024 / 1024} MB`);
  }
}

/** Whether a write would fit DynamoDB's limits, for what is kept only when it fits. */
export function transactionFits(items: ItemToWrite[]): boolean {
  try {
    assertTransactionFits('', items);
    return true;
  } catch (error) {
    if (error instanceof TooLargeError) return false;
    throw error;
  }
}

/**
 * How the document client turns items into DynamoDB's format. The SDK tells a plain object from a
 * class instance by `value.constructor.name`, which a key named `constructor` overrides
 * (`{"constructor": "x"}` would be refused as an unsupported type, a 500): such an object is stored
 * as the map it is. Undefined values are left out.
 */
export const MARSHALL_OPTIONS = { removeUndefinedValues: true, convertClassInstanceToMap: true } as const;

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
