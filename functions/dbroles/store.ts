import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { cancellationReasons, queryPartitionPage } from '../commons/table';
import type { DbRoleJob, JobPhase, JobTarget, RoleResult } from './model';

const JOB = 'JOB#';
const jobKey = (orgId: string, id: string) => ({ pk: `ORG#${orgId}`, sk: `${JOB}${id}` });
const lockKey = (orgId: string, databaseArn: string) => ({ pk: `ORG#${orgId}`, sk: `LOCK#${databaseArn}` });
const eventKey = (orgId: string, eventId: string) => ({ pk: `ORG#${orgId}`, sk: `EVENT#${eventId}` });

/** A job as stored: the API shape, what the workflow needs, and when it must have ended. */
export interface JobRecord {
  job: DbRoleJob;
  target: JobTarget;
  /** After this time a job still `running` has been lost (its execution timed out or crashed). */
  deadline: string;
}

const JOB_FIELDS = ['id', 'org_id', 'created_at', 'completed_at', 'spec', 'status'] as const;

function toRecord(item: Record<string, unknown>): JobRecord {
  const job = Object.fromEntries(JOB_FIELDS.map((field) => [field, item[field]])) as unknown as DbRoleJob;
  return { job, target: item.target as JobTarget, deadline: String(item.deadline) };
}

/**
 * DB role jobs, their per-database locks and the event ids already handled, in the org's partition.
 * Every transition is conditional: a role result or the end of a job is written only while the job
 * is running, a lock is taken only when free or when its lease has run out, and released only by its
 * holder.
 */
export class JobStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Writes a running job and takes the database's lock in one transaction. Answers false, writing
   * nothing, when another job holds a live lease.
   */
  async createWithLock(record: JobRecord, lease: { databaseArn: string; until: string; now: string }): Promise<boolean> {
    const orgId = record.job.org_id;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: this.item(record),
                ConditionExpression: 'attribute_not_exists(sk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...lockKey(orgId, lease.databaseArn), entity: 'lock', job_id: record.job.id, lease_until: lease.until, ttl: Math.ceil(Date.parse(lease.until) / 1000) + 86_400 },
                ConditionExpression: 'attribute_not_exists(sk) OR lease_until < :now',
                ExpressionAttributeValues: { ':now': lease.now },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (cancellationReasons(error)?.[1] === 'ConditionalCheckFailed') return false;
      throw error;
    }
  }

  /** Writes a job that has already ended (e.g. it found the database locked). */
  async createEnded(record: JobRecord): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: this.item(record), ConditionExpression: 'attribute_not_exists(sk)' }));
  }

  private item(record: JobRecord) {
    return { ...jobKey(record.job.org_id, record.job.id), entity: 'job', ...record.job, target: record.target, deadline: record.deadline };
  }

  async get(orgId: string, id: string): Promise<JobRecord | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: jobKey(orgId, id), ConsistentRead: true }));
    return Item ? toRecord(Item) : undefined;
  }

  async list(orgId: string, page: { pageSize: number; nextToken?: string }): Promise<{ records: JobRecord[]; nextToken: string | null }> {
    const result = await queryPartitionPage(this.client, this.tableName, { orgId, prefix: JOB, pageSize: page.pageSize, nextToken: page.nextToken, newestFirst: true });
    return { records: result.items.map(toRecord), nextToken: result.nextToken };
  }

  /** Records one role's outcome, while the job runs. */
  async recordRoleResult(orgId: string, jobId: string, index: number, result: RoleResult): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(orgId, jobId),
          UpdateExpression: `SET #status.#result[${index}] = :result`,
          ConditionExpression: '#status.phase = :running',
          ExpressionAttributeNames: { '#status': 'status', '#result': 'result' },
          ExpressionAttributeValues: { ':result': result, ':running': 'running' },
        }),
      )
      .catch(ignoreConditionFailure);
  }

  /** Ends a running job; false when it had already ended. */
  async finish(orgId: string, jobId: string, end: { phase: Exclude<JobPhase, 'running'>; message: string; completedAt: string; result?: RoleResult[] }): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(orgId, jobId),
          UpdateExpression: `SET #status.phase = :phase, #status.message = :message, completed_at = :completed${end.result ? ', #status.#result = :result' : ''}`,
          ConditionExpression: '#status.phase = :running',
          ExpressionAttributeNames: { '#status': 'status', ...(end.result ? { '#result': 'result' } : {}) },
          ExpressionAttributeValues: { ':phase': end.phase, ':message': end.message, ':completed': end.completedAt, ':running': 'running', ...(end.result ? { ':result': end.result } : {}) },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Gives the database back, if this job still holds it. */
  async releaseLock(orgId: string, databaseArn: string, jobId: string): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: lockKey(orgId, databaseArn),
          UpdateExpression: 'SET lease_until = :past REMOVE job_id',
          ConditionExpression: 'job_id = :job',
          ExpressionAttributeValues: { ':job': jobId, ':past': '1970-01-01T00:00:00.000Z' },
        }),
      )
      .catch(ignoreConditionFailure);
  }

  /** True the first time an event id is seen (kept a week), false for a redelivery. */
  async claimEvent(orgId: string, eventId: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...eventKey(orgId, eventId), entity: 'event', ttl: Math.ceil(Date.now() / 1000) + 7 * 86_400 },
          ConditionExpression: 'attribute_not_exists(sk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

function ignoreConditionFailure(error: unknown): void {
  if (!(error instanceof ConditionalCheckFailedException)) throw error;
}
