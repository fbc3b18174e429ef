import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../core/errors';
import { assertItemFits, assertTransactionFits, keys, queryPartitionPage, SORT_PREFIX } from './table';
import type { PlanConfig, Statement } from '../../core/postgres/model';
import type { SessionKind, SessionRecord } from '../../core/audit/model';

/** What an apply needs of a plan. Kept apart from the audit session, which never expires. */
export interface PlanSessionDetails {
  config: PlanConfig;
  checksum: string;
  statements: Statement[];
  expires_at: string;
  sets_password: boolean;
}

const SESSION_FIELDS = ['id', 'kind', 'resource_name', 'role', 'user', 'created_at', 'ended_at', 'status', 'input', 'output', 'plan_sid'] as const;

function toSession(item: Record<string, unknown>): SessionRecord {
  return Object.fromEntries(SESSION_FIELDS.filter((field) => item[field] !== undefined).map((field) => [field, item[field]])) as unknown as SessionRecord;
}

/**
 * Audit sessions in DynamoDB, in the org's partition under time-ordered ids (so a reverse Query is
 * newest first), and the plan items an apply claims. Sessions are written once and never changed.
 */
export class SessionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Writes a session once (an id is never reused); with a plan, the plan item in the same transaction. */
  async create(orgId: string, session: SessionRecord, plan?: { details: PlanSessionDetails; ttl: number }): Promise<void> {
    const sessionItem = { pk: keys.partition(orgId), sk: keys.session(session.id), entity: 'session', ...session };
    const sessionLabel = `${session.kind} session ${session.id}`;
    if (!plan) {
      assertItemFits({ label: sessionLabel, item: sessionItem });
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: sessionItem, ConditionExpression: 'attribute_not_exists(sk)' }));
      return;
    }
    const planItem = { pk: keys.partition(orgId), sk: keys.plan(session.id), entity: 'plan', ...plan.details, ttl: plan.ttl };
    assertTransactionFits(sessionLabel, [
      { label: sessionLabel, item: sessionItem },
      { label: `the plan of ${sessionLabel}`, item: planItem },
    ]);
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.tableName, Item: sessionItem, ConditionExpression: 'attribute_not_exists(sk)' } },
          { Put: { TableName: this.tableName, Item: planItem, ConditionExpression: 'attribute_not_exists(sk)' } },
        ],
      }),
    );
  }

  async get(orgId: string, id: string): Promise<SessionRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: keys.partition(orgId), sk: keys.session(id) }, ConsistentRead: true }),
    );
    return Item ? toSession(Item) : undefined;
  }

  /** A plan's session and, while it has not expired, what an apply needs of it. */
  async getPlan(orgId: string, sid: string): Promise<{ session: SessionRecord; details?: PlanSessionDetails } | undefined> {
    const [session, plan] = await Promise.all([
      this.get(orgId, sid),
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: keys.partition(orgId), sk: keys.plan(sid) }, ConsistentRead: true })),
    ]);
    if (!session) return undefined;
    const item = plan.Item;
    if (!item) return { session };
    const details: PlanSessionDetails = {
      config: item.config as PlanConfig,
      checksum: String(item.checksum),
      statements: item.statements as Statement[],
      expires_at: String(item.expires_at),
      sets_password: item.sets_password === true,
    };
    return { session, details };
  }

  /** Marks a plan as being applied by one apply: a second apply, or one after expiry, gets 409. */
  async claimPlan(orgId: string, sid: string, applySid: string, now: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: keys.partition(orgId), sk: keys.plan(sid) },
          UpdateExpression: 'SET applied_by = :apply',
          ConditionExpression: 'attribute_exists(sk) AND attribute_not_exists(applied_by) AND expires_at > :now',
          ExpressionAttributeValues: { ':apply': applySid, ':now': now },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (error.Item?.applied_by) throw new ConflictError('the plan has already been applied');
      throw new ConflictError('the plan has expired: plan again');
    }
  }

  /** Gives a plan back when its apply ran nothing, so that it can be applied again. */
  async releasePlan(orgId: string, sid: string, applySid: string): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: keys.partition(orgId), sk: keys.plan(sid) },
          UpdateExpression: 'REMOVE applied_by',
          ConditionExpression: 'applied_by = :apply',
          ExpressionAttributeValues: { ':apply': applySid },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
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
