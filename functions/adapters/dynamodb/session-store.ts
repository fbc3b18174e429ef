import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { assertItemFits, keys, queryPartitionPage, SORT_PREFIX } from './table';
import type { SessionKind, SessionRecord } from '../../core/audit/model';

const SESSION_FIELDS = ['id', 'kind', 'resource_name', 'role', 'user', 'created_at', 'ended_at', 'status', 'input', 'output', 'plan_sid'] as const;

/** A session as read from its item, without the item's keys. */
export function toSession(item: Record<string, unknown>): SessionRecord {
  return Object.fromEntries(SESSION_FIELDS.filter((field) => item[field] !== undefined).map((field) => [field, item[field]])) as unknown as SessionRecord;
}

/** A session's item; the plan store writes it too, in the plan's transaction. */
export function sessionItem(orgId: string, session: SessionRecord): Record<string, unknown> {
  return { pk: keys.partition(orgId), sk: keys.session(session.id), entity: 'session', ...session };
}

/** How a message names a session (`plan session <id>`). */
export const sessionLabel = (session: SessionRecord) => `${session.kind} session ${session.id}`;

/**
 * Audit sessions in DynamoDB, in the org's partition under time-ordered ids (so a reverse Query is
 * newest first). Sessions are written once and never changed; plans are kept by `PlanStore`.
 */
export class SessionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Writes a session once: an id is never reused. */
  async create(orgId: string, session: SessionRecord): Promise<void> {
    const item = sessionItem(orgId, session);
    assertItemFits({ label: sessionLabel(session), item });
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(sk)' }));
  }

  async get(orgId: string, id: string): Promise<SessionRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: keys.partition(orgId), sk: keys.session(id) }, ConsistentRead: true }),
    );
    return Item ? toSession(Item) : undefined;
  }

  /** Sessions newest first, optionally of one resource and one kind. */
  async list(
    orgId: string,
    options: { pageSize: number; nextToken?: string; resourceName?: string; kind?: SessionKind },
  ): Promise<{ sessions: SessionRecord[]; nextToken: string | null }> {
    const conditions: string[] = [];
    const values: Record<string, unknown> = {};
    if (options.resourceName !== undefined) {
      conditions.push('resource_name = :resource');
      values[':resource'] = options.resourceName;
    }
    if (options.kind !== undefined) {
      conditions.push('kind = :kind');
      values[':kind'] = options.kind;
    }
    const page = await queryPartitionPage(this.client, this.tableName, {
      orgId,
      prefix: SORT_PREFIX.session,
      pageSize: options.pageSize,
      nextToken: options.nextToken,
      newestFirst: true,
      filter: conditions.length > 0 ? { expression: conditions.join(' AND '), values } : undefined,
    });
    return { sessions: page.items.map(toSession), nextToken: page.nextToken };
  }
}
