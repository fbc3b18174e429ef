import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, type TransactWriteCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../core/errors';
import { cancellationReasons, queryPartitionPage, withTransactionRetry } from './table';
import { CLUSTER_OWNED_MESSAGE, type DbRoleJob, failRunning, type JobRecord, type JobRoleResult, type JobTarget } from '../../core/dbroles/model';
import type { ClusterLease, JobEnd, JobStore, LockHolder } from '../../core/dbroles/ports';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const JOB = 'JOB#';
const jobKey = (orgId: string, id: string) => ({ pk: `ORG#${orgId}`, sk: `${JOB}${id}` });
const eventKey = (orgId: string, eventId: string) => ({ pk: `ORG#${orgId}`, sk: `EVENT#${eventId}` });
/** A cluster is one database server, whatever the org: its owner and its lock live in its own partition. */
const ownerKey = (clusterArn: string) => ({ pk: `CLUSTER#${clusterArn}`, sk: 'OWNER' });
const lockKey = (clusterArn: string) => ({ pk: `CLUSTER#${clusterArn}`, sk: 'LOCK' });
/** The owner item's condition: the cluster has no owner yet, or it is `:org`. */
const FREE_OR_OWNED_BY_ORG = 'attribute_not_exists(org_id) OR org_id = :org';

const JOB_FIELDS = ['id', 'org_id', 'created_at', 'completed_at', 'spec', 'status'] as const;

function toRecord(item: Record<string, unknown>): JobRecord {
  const job = Object.fromEntries(JOB_FIELDS.map((field) => [field, item[field]])) as unknown as DbRoleJob;
  return { job, target: item.target as JobTarget, deadline: String(item.deadline) };
}

/**
 * The job store in the service's table: DB role jobs and the event ids already handled, in the org's
 * partition; each cluster's owner and lock, in the cluster's partition. Each transition is one
 * conditional write (or transaction), so the conditions of the port hold under concurrency.
 */
export class DynamoDbJobStore implements JobStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** One transaction: the job, the owner item (claimed or checked) and the lock. */
  async createWithLock(record: JobRecord, lease: ClusterLease): Promise<boolean> {
    const orgId = record.job.org_id;
    const lock = lease.takeOverFrom
      ? { ConditionExpression: 'job_id = :holder', ExpressionAttributeValues: { ':holder': lease.takeOverFrom } }
      : { ConditionExpression: 'attribute_not_exists(job_id) OR lease_until < :now', ExpressionAttributeValues: { ':now': lease.now } };
    return this.putJob(record, [
      {
        Update: {
          TableName: this.tableName,
          Key: ownerKey(lease.clusterArn),
          UpdateExpression: 'SET org_id = :org, entity = :entity, since = if_not_exists(since, :now)',
          ConditionExpression: FREE_OR_OWNED_BY_ORG,
          ExpressionAttributeValues: { ':org': orgId, ':entity': 'cluster-owner', ':now': lease.now },
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: { ...lockKey(lease.clusterArn), entity: 'lock', job_id: record.job.id, org_id: orgId, locked_at: lease.now, lease_until: lease.until, ttl: Math.ceil(Date.parse(lease.until) / 1000) + 86_400 },
          ...lock,
        },
      },
    ]);
  }

  async lockHolder(clusterArn: string): Promise<LockHolder | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: lockKey(clusterArn), ConsistentRead: true }));
    if (typeof Item?.job_id !== 'string') return undefined;
    // A lock without `locked_at` is older than any grace period.
    return { job_id: Item.job_id, org_id: String(Item.org_id ?? ''), locked_at: String(Item.locked_at ?? '1970-01-01T00:00:00.000Z') };
  }

  async createEnded(record: JobRecord, clusterArn: string): Promise<void> {
    await this.putJob(record, [
      { ConditionCheck: { TableName: this.tableName, Key: ownerKey(clusterArn), ConditionExpression: FREE_OR_OWNED_BY_ORG, ExpressionAttributeValues: { ':org': record.job.org_id } } },
    ]);
  }

  /**
   * Puts a new job in one transaction with the cluster's owner item (claimed or checked), then maybe
   * its lock. A ConflictError when the owner is another org; false when the lock was not free.
   */
  private async putJob(record: JobRecord, cluster: [owner: TransactItem, lock?: TransactItem]): Promise<boolean> {
    const job: TransactItem = { Put: { TableName: this.tableName, Item: this.item(record), ConditionExpression: 'attribute_not_exists(sk)' } };
    try {
      await withTransactionRetry(() => this.client.send(new TransactWriteCommand({ TransactItems: [job, ...cluster.filter((item) => item !== undefined)] })));
      return true;
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons?.[1] === 'ConditionalCheckFailed') throw new ConflictError(CLUSTER_OWNED_MESSAGE);
      if (reasons?.[2] === 'ConditionalCheckFailed') return false;
      throw error;
    }
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

  async recordJobRoleResult(orgId: string, jobId: string, index: number, result: JobRoleResult): Promise<void> {
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

  async finish(orgId: string, jobId: string, end: JobEnd): Promise<boolean> {
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

  /** Reads the job, then ends it on the condition that it still runs. */
  async failUnfinished(orgId: string, jobId: string, end: { message: string; jobRoleMessage: string; completedAt: string }): Promise<boolean> {
    const record = await this.get(orgId, jobId);
    if (record?.job.status.phase !== 'running') return false;
    return this.finish(orgId, jobId, { phase: 'failed', message: end.message, completedAt: end.completedAt, result: failRunning(record.job.status.result, end.jobRoleMessage, end.completedAt) });
  }

  async releaseLock(clusterArn: string, jobId: string): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: lockKey(clusterArn),
          UpdateExpression: 'SET lease_until = :past REMOVE job_id',
          ConditionExpression: 'job_id = :job',
          ExpressionAttributeValues: { ':job': jobId, ':past': '1970-01-01T00:00:00.000Z' },
        }),
      )
      .catch(ignoreConditionFailure);
  }

  /** An event id is kept a week. */
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
