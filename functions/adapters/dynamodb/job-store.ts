import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, type TransactWriteCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../core/errors';
import { cancellationReasons, queryPartitionPage, withTransactionRetry } from './table';
import { CLUSTER_OWNED_MESSAGE, type DbRoleJob, type JobPhase, type JobTarget, type RoleResult } from '../../core/dbroles/model';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const JOB = 'JOB#';
const jobKey = (orgId: string, id: string) => ({ pk: `ORG#${orgId}`, sk: `${JOB}${id}` });
const eventKey = (orgId: string, eventId: string) => ({ pk: `ORG#${orgId}`, sk: `EVENT#${eventId}` });
/** A cluster is one database server, whatever the org: its owner and its lock live in its own partition. */
const ownerKey = (clusterArn: string) => ({ pk: `CLUSTER#${clusterArn}`, sk: 'OWNER' });
const lockKey = (clusterArn: string) => ({ pk: `CLUSTER#${clusterArn}`, sk: 'LOCK' });
/** The owner item's condition: the cluster has no owner yet, or it is `:org`. */
const FREE_OR_OWNED_BY_ORG = 'attribute_not_exists(org_id) OR org_id = :org';

/** The job holding a cluster's lock, and since when. */
export interface LockHolder {
  job_id: string;
  org_id: string;
  /** When the holder took the lock (before its workflow was started). */
  locked_at: string;
}

export interface ClusterLease {
  clusterArn: string;
  until: string;
  now: string;
  /** Takes the lock from this job (whose execution is dead) rather than only when it is free. */
  takeOverFrom?: string;
}

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
 * DB role jobs and the event ids already handled, in the org's partition; each cluster's owner and
 * lock, in the cluster's partition. Every transition is conditional: a cluster is claimed only by its
 * first org, a role result or the end of a job is written only while the job is running, a lock is
 * taken only when free, when its lease has run out or from the dead holder named, and released only
 * by its holder.
 */
export class JobStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Writes a running job, claims the cluster for its org and takes the cluster's lock, in one
   * transaction. Answers false, writing nothing, when another job holds the lock; throws a 409,
   * writing nothing, when the cluster belongs to another org.
   */
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

  /** The job holding a cluster's lock, or undefined when it is free. */
  async lockHolder(clusterArn: string): Promise<LockHolder | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: lockKey(clusterArn), ConsistentRead: true }));
    if (typeof Item?.job_id !== 'string') return undefined;
    // A lock without `locked_at` is older than any grace period.
    return { job_id: Item.job_id, org_id: String(Item.org_id ?? ''), locked_at: String(Item.locked_at ?? '1970-01-01T00:00:00.000Z') };
  }

  /** Writes a job that has already ended (it found the cluster locked); a 409 if the cluster is another org's. */
  async createEnded(record: JobRecord, clusterArn: string): Promise<void> {
    await this.putJob(record, [
      { ConditionCheck: { TableName: this.tableName, Key: ownerKey(clusterArn), ConditionExpression: FREE_OR_OWNED_BY_ORG, ExpressionAttributeValues: { ':org': record.job.org_id } } },
    ]);
  }

  /**
   * Puts a new job in one transaction with the cluster's owner item (claimed or checked), then maybe
   * its lock. A 409 when the owner is another org; false when the lock was not free.
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

  /**
   * Ends a job that will not finish by itself (its workflow ended or died): the job, and each role
   * still running, fail with these messages. False when it had already ended.
   */
  async failUnfinished(orgId: string, jobId: string, end: { message: string; roleMessage: string; completedAt: string }): Promise<boolean> {
    const record = await this.get(orgId, jobId);
    if (record?.job.status.phase !== 'running') return false;
    const result = record.job.status.result.map((entry): RoleResult => (entry.status === 'running' ? { ...entry, status: 'failed', message: end.roleMessage, completed_at: end.completedAt } : entry));
    return this.finish(orgId, jobId, { phase: 'failed', message: end.message, completedAt: end.completedAt, result });
  }

  /** Gives the cluster back, if this job still holds it. */
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
