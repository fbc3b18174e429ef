import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../commons/table';
import type { SessionRecord } from './model';

/** Audit sessions in DynamoDB, in the org's partition under time-ordered ids. */
export class SessionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Writes a session once; an id is never reused, so an existing item is never overwritten. */
  async create(orgId: string, session: SessionRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: keys.partition(orgId), sk: keys.session(session.id), entity: 'session', ...session },
        ConditionExpression: 'attribute_not_exists(sk)',
      }),
    );
  }

  async get(orgId: string, id: string): Promise<SessionRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: keys.partition(orgId), sk: keys.session(id) }, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, entity: _entity, ...session } = Item;
    return session as SessionRecord;
  }
}
