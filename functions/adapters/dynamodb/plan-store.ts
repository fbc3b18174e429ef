import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SessionRecord } from '../../core/audit/model';
import { ConflictError } from '../../core/errors';
import type { PlanDetails, StoredPlan } from '../../core/plans/model';
import type * as ports from '../../core/plans/ports';
import type { PlanConfig, Statement } from '../../core/postgres/model';
import { sessionItem, sessionLabel, SessionStore } from './session-store';
import { assertTransactionFits, keys } from './table';

/**
 * Plans in DynamoDB: what an apply needs of a plan, in the org's partition beside the plan's audit
 * session. The plan item expires (TTL) while the session stays; an apply claims it by writing its own
 * sid on it, once.
 */
export class PlanStore implements ports.PlanStore {
  private readonly sessions: SessionStore;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.sessions = new SessionStore(client, tableName);
  }

  private key(orgId: string, sid: string) {
    return { pk: keys.partition(orgId), sk: keys.plan(sid) };
  }

  /** The session and the plan item in one transaction, neither written when either exists. */
  async create(orgId: string, session: SessionRecord, details: PlanDetails): Promise<void> {
    const label = sessionLabel(session);
    const sessionItemToWrite = sessionItem(orgId, session);
    // DynamoDB deletes the item some time after `ttl` (epoch seconds); `expires_at` is what counts.
    const planItem = { ...this.key(orgId, session.id), entity: 'plan', ...details, ttl: Math.floor(Date.parse(details.expires_at) / 1000) };
    assertTransactionFits(label, [
      { label, item: sessionItemToWrite },
      { label: `the plan of ${label}`, item: planItem },
    ]);
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.tableName, Item: sessionItemToWrite, ConditionExpression: 'attribute_not_exists(sk)' } },
          { Put: { TableName: this.tableName, Item: planItem, ConditionExpression: 'attribute_not_exists(sk)' } },
        ],
      }),
    );
  }

  async get(orgId: string, sid: string): Promise<StoredPlan | undefined> {
    const [session, plan] = await Promise.all([
      this.sessions.get(orgId, sid),
      this.client.send(new GetCommand({ TableName: this.tableName, Key: this.key(orgId, sid), ConsistentRead: true })),
    ]);
    if (!session) return undefined;
    const item = plan.Item;
    if (!item) return { session };
    const details: PlanDetails = {
      config: item.config as PlanConfig,
      checksum: String(item.checksum),
      statements: item.statements as Statement[],
      expires_at: String(item.expires_at),
      sets_password: item.sets_password === true,
    };
    return { session, details };
  }

  async claim(orgId: string, sid: string, applySid: string, now: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(orgId, sid),
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

  async release(orgId: string, sid: string, applySid: string): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(orgId, sid),
          UpdateExpression: 'REMOVE applied_by',
          ConditionExpression: 'applied_by = :apply',
          ExpressionAttributeValues: { ':apply': applySid },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
  }
}
