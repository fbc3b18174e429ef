import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type HandlerGroup, routes } from '../../functions/http/routes';
import { handlerEntry } from '../handlers';
import { IDEMPOTENCY_TABLE_SCHEMA, TABLE_SCHEMA } from '../../functions/adapters/dynamodb/table';
import { loadOrCreateLocalKey } from '../../functions/adapters/crypto/keyrings';
import { ensureTable, LOCAL_AWS_ENV, startDynamoDbLocal } from './dynamodb';
import { startDynamoDbFaults } from './dynamodb-faults';
import { type HttpHandler, startLocalHttpApi } from './http-api';
import { loadOrCreateSigningKey, mintToken, verifyBearerToken } from './jwt';
import { startLocalDataApi } from './data-api';
import type { EventEnvelope } from './eventbridge';
import { seedDemoDatabase } from './demo-database';
import { freePort } from './ports';
import { type LocalMysql, mysqlBinaries, startLocalMysql } from './mysql';
import { startLocalPostgres } from './postgres';
import { LOCAL_STATE_MACHINE_ARN, LOCAL_TAG, LocalRdsCatalogFile, startJobWorkflows } from './workflows';

export const LOCAL_ORG = 'local';
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_CLUSTER_ID = 'local-aurora';
const clusterArnOf = (id: string) => `arn:aws:rds:${LOCAL_REGION}:${LOCAL_ACCOUNT}:cluster:${id}`;
const secretArnOf = (clusterId: string) => `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:rds!cluster-${clusterId}-master`;
export const LOCAL_CLUSTER_ARN = clusterArnOf(LOCAL_CLUSTER_ID);
export const LOCAL_SECRET_ARN = secretArnOf(LOCAL_CLUSTER_ID);
/** The local Aurora MySQL cluster, when MariaDB is installed. */
export const LOCAL_MYSQL_CLUSTER_ID = 'local-mysql';
export const LOCAL_MYSQL_CLUSTER_ARN = clusterArnOf(LOCAL_MYSQL_CLUSTER_ID);
export const LOCAL_MYSQL_SECRET_ARN = secretArnOf(LOCAL_MYSQL_CLUSTER_ID);
export const TABLE_NAME = 'db-access';
export const IDEMPOTENCY_TABLE_NAME = 'db-access-idempotency';
/** The local stand-in for the KMS key of secrets at rest (mode 0600), under the stack's directory. */
export const SECRETS_KEY_FILE = 'secrets-key';

/** What a client needs, as printed and written to `.local/stack.json`. */
export interface StackInfo {
  api_url: string;
  admin_token: string;
  cluster_arn: string;
  secret_arn: string;
  /** The master user (Aurora's: NOSUPERUSER CREATEDB CREATEROLE, in rds_superuser), as the Data API logs in. */
  postgres_url: string;
  /** The superuser, which Aurora keeps to itself: for setting up test fixtures only. */
  postgres_superuser_url: string;
  /** The Aurora MySQL cluster (MariaDB), its master secret and the master's `mysql://` URL: absent when MariaDB is not installed. */
  mysql_cluster_arn?: string;
  mysql_secret_arn?: string;
  mysql_url?: string;
  issuer: string;
  ports: StackPorts;
}

/** What `POST /_local/mysql-clusters` answers about the Aurora MySQL cluster it started. */
export interface LocalMysqlClusterInfo {
  cluster_arn: string;
  cluster_id: string;
  instance_arn: string;
  secret_arn: string;
  mysql_url: string;
}

/** What `POST /_local/clusters` answers about the cluster it started. */
export interface LocalClusterInfo {
  cluster_arn: string;
  cluster_id: string;
  instance_arn: string;
  secret_arn: string;
  postgres_url: string;
  postgres_superuser_url: string;
}

export interface StackPorts {
  api: number;
  dataApi: number;
  stepFunctions: number;
  dynamodb: number;
  postgres: number;
  /** The MySQL server's; a free one when absent. */
  mysql?: number;
}

export interface LocalStackOptions {
  /** Where data and keys live (default `.local`). */
  dir: string;
  ports: StackPorts;
  /** Start from empty data. */
  fresh?: boolean;
  /** The org that tag-triggered jobs belong to (default `local`, the admin token's org). */
  triggerOrg?: string;
  /**
   * Tests only: the handlers reach DynamoDB through a proxy that can stall an org's requests
   * (`infra/local/dynamodb-faults.ts`), on this port.
   */
  dynamodbFaultsPort?: number;
  /** How long every local Data API call waits before it runs, as a round trip to AWS would (default 0). */
  dataApiLatencyMs?: number;
}

export interface LocalStack {
  info: StackInfo;
  stop(): Promise<void>;
}

/** Ports derived from the API's port: the API on PORT, then the local AWS endpoints above it. */
export function portsFrom(apiPort: number): StackPorts {
  return { api: apiPort, dataApi: apiPort + 1, stepFunctions: apiPort + 2, dynamodb: apiPort + 3, postgres: apiPort + 4, mysql: apiPort + 5 };
}

function readOrCreate(file: string, make: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = make();
  writeFileSync(file, value, { mode: 0o600 });
  return value;
}

/** An RDS-valid cluster id (letters, digits, single hyphens) that tells whose cluster it is. */
function newClusterId(label: string): string {
  const words = label.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean).join('-').slice(0, 30).replace(/-$/, '');
  return `local-${words ? `${words}-` : ''}${randomBytes(4).toString('hex')}`;
}

/**
 * Brings up everything the service needs on one machine with no AWS account: a real PostgreSQL posing
 * as the Aurora cluster (with a demo database), DynamoDB Local, and the HTTP API whose handlers run
 * in this process with their SDK clients pointed at the local endpoints.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const dir = resolve(options.dir);
  if (options.fresh) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  Object.assign(process.env, LOCAL_AWS_ENV);
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    // One part that hangs must not keep PostgreSQL or DynamoDB Local running: each gets 10 s.
    for (const stopOne of stops.reverse()) {
      await Promise.race([stopOne().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    }
  };

  try {
    const masterPassword = readOrCreate(join(dir, 'master-password'), () => randomBytes(24).toString('base64url'));
    const superuserPassword = readOrCreate(join(dir, 'superuser-password'), () => randomBytes(24).toString('base64url'));
    const secretsKeyFile = join(dir, SECRETS_KEY_FILE);
    loadOrCreateLocalKey(secretsKeyFile);
    // MySQL only where MariaDB is installed: `npm start` says how to install it otherwise.
    const startMysql = async (dataDir: string, port?: number) =>
      startLocalMysql({ dataDir, port: port ?? (await freePort()), masterPassword: randomBytes(24).toString('base64url'), superuserPassword: randomBytes(24).toString('base64url') });
    const mysqlMasterPassword = readOrCreate(join(dir, 'mysql-master-password'), () => randomBytes(24).toString('base64url'));
    const mysqlRootPassword = readOrCreate(join(dir, 'mysql-root-password'), () => randomBytes(24).toString('base64url'));
    const [postgres, dynamodb, signingKey, mysql] = await Promise.all([
      startLocalPostgres({ dataDir: join(dir, 'postgres'), port: options.ports.postgres, masterPassword, superuserPassword }),
      startDynamoDbLocal({ port: options.ports.dynamodb, dataDir: join(dir, 'dynamodb') }),
      loadOrCreateSigningKey(join(dir, 'jwt-key.json')),
      mysqlBinaries()
        ? startLocalMysql({ dataDir: join(dir, 'mysql'), port: options.ports.mysql ?? (await freePort()), masterPassword: mysqlMasterPassword, superuserPassword: mysqlRootPassword })
        : undefined,
    ]);
    stops.push(postgres.stop, dynamodb.stop);
    if (mysql) stops.push(mysql.stop);
    await Promise.all([
      ensureTable(dynamodb.client, TABLE_NAME, TABLE_SCHEMA),
      ensureTable(dynamodb.client, IDEMPOTENCY_TABLE_NAME, IDEMPOTENCY_TABLE_SCHEMA),
      seedDemoDatabase(postgres),
    ]);
    const dataApi = await startLocalDataApi({
      port: options.ports.dataApi,
      clusters: { [LOCAL_CLUSTER_ARN]: { host: postgres.host, port: postgres.port } },
      secrets: { [LOCAL_SECRET_ARN]: { username: postgres.masterUser, password: masterPassword } },
      latencyMs: options.dataApiLatencyMs,
    });
    stops.push(dataApi.stop);
    const catalog = new LocalRdsCatalogFile(join(dir, 'rds-catalog.json'), { account: LOCAL_ACCOUNT, region: LOCAL_REGION });
    catalog.add({ arn: LOCAL_CLUSTER_ARN, id: LOCAL_CLUSTER_ID, secretArn: LOCAL_SECRET_ARN, port: postgres.port, databaseName: 'demo' });
    /** An Aurora MySQL cluster in the Data API, its secret and the catalog (which has no initial database for it). */
    const registerMysql = (arn: string, id: string, secretArn: string, server: LocalMysql) => {
      dataApi.addSecret(secretArn, { username: server.masterUser, password: server.masterPassword });
      dataApi.addCluster(arn, { host: server.host, port: server.port, engine: 'mysql' });
      catalog.add({ engine: 'aurora-mysql', arn, id, secretArn, port: server.port, databaseName: '' });
    };
    if (mysql) registerMysql(LOCAL_MYSQL_CLUSTER_ARN, LOCAL_MYSQL_CLUSTER_ID, LOCAL_MYSQL_SECRET_ARN, mysql);

    /**
     * Another "Aurora cluster" (its own PostgreSQL server, master secret and catalog entry), for as
     * long as the stack runs: a cluster belongs to one org, so each test file that runs jobs needs one.
     */
    const addCluster = async (label: string): Promise<LocalClusterInfo> => {
      const id = newClusterId(label);
      const dataDir = join(dir, 'clusters', id);
      const password = randomBytes(24).toString('base64url');
      const server = await startLocalPostgres({ dataDir, port: await freePort(), masterPassword: password, superuserPassword: randomBytes(24).toString('base64url') });
      stops.push(async () => {
        await server.stop();
        rmSync(dataDir, { recursive: true, force: true });
      });
      const [arn, secretArn] = [clusterArnOf(id), secretArnOf(id)];
      dataApi.addSecret(secretArn, { username: server.masterUser, password });
      dataApi.addCluster(arn, { host: server.host, port: server.port });
      catalog.add({ arn, id, secretArn, port: server.port, databaseName: 'postgres' });
      return { cluster_arn: arn, cluster_id: id, instance_arn: catalog.instanceArn(id), secret_arn: secretArn, postgres_url: server.url(), postgres_superuser_url: server.superuserUrl() };
    };

    /** Another Aurora MySQL cluster (its own MariaDB server), as `addCluster`: MySQL users are server-wide, so each test file that makes them needs one. */
    const addMysqlCluster = async (label: string): Promise<LocalMysqlClusterInfo> => {
      if (!mysql) throw new Error('MariaDB is not installed: no MySQL cluster can be started');
      const id = newClusterId(label);
      const dataDir = join(dir, 'clusters', id);
      const server = await startMysql(dataDir);
      stops.push(async () => {
        await server.stop();
        rmSync(dataDir, { recursive: true, force: true });
      });
      const [arn, secretArn] = [clusterArnOf(id), secretArnOf(id)];
      registerMysql(arn, id, secretArn, server);
      return { cluster_arn: arn, cluster_id: id, instance_arn: catalog.instanceArn(id), secret_arn: secretArn, mysql_url: server.url() };
    };

    let dynamodbEndpoint = dynamodb.endpoint;
    if (options.dynamodbFaultsPort !== undefined) {
      const faults = await startDynamoDbFaults({ port: options.dynamodbFaultsPort, target: dynamodb.endpoint });
      stops.push(faults.stop);
      dynamodbEndpoint = faults.endpoint;
    }

    // The handlers read these when their modules load, exactly as a Lambda reads its environment.
    Object.assign(process.env, {
      TABLE_NAME,
      IDEMPOTENCY_TABLE_NAME,
      DYNAMODB_ENDPOINT: dynamodbEndpoint,
      RDS_DATA_ENDPOINT: dataApi.endpoint,
      STEP_FUNCTIONS_ENDPOINT: `http://127.0.0.1:${options.ports.stepFunctions}`,
      EVENTBRIDGE_ENDPOINT: `http://127.0.0.1:${options.ports.stepFunctions}`,
      STATE_MACHINE_ARN: LOCAL_STATE_MACHINE_ARN,
      LOCAL_RDS_CATALOG: catalog.path,
      SECRETS_LOCAL_KEY_FILE: secretsKeyFile,
      TRIGGER_ORG_ID: options.triggerOrg ?? LOCAL_ORG,
      TRIGGER_TAG_KEY: LOCAL_TAG.key,
      TRIGGER_TAG_VALUE: LOCAL_TAG.value,
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    });
    const retryInterval = process.env.LOCAL_SFN_RETRY_INTERVAL_MS;
    const { workflows, bus } = await startJobWorkflows({ port: options.ports.stepFunctions, retryIntervalMs: retryInterval ? Number(retryInterval) : undefined });
    stops.push(workflows.stop);

    const issuer = `http://127.0.0.1:${options.ports.api}/_local`;
    const groups = [...new Set(routes.map((route) => route.group))];
    const handlers = Object.fromEntries(
      await Promise.all(
        groups.map(async (group) => {
          const module = (await import(pathToFileURL(handlerEntry(group)).href)) as { handler: HttpHandler };
          return [group, module.handler] as const;
        }),
      ),
    ) as Record<HandlerGroup, HttpHandler>;

    const server: Server = await startLocalHttpApi({
      port: options.ports.api,
      handlers,
      verifyAuthorization: (header) => verifyBearerToken(signingKey, issuer, header),
      localRoutes: {
        'GET /_local/.well-known/jwks.json': async () => ({ statusCode: 200, body: { keys: [signingKey.publicJwk] } }),
        // An EventBridge event envelope, delivered to the targets of the matching rules.
        'POST /_local/events': async (_request, body) => {
          const event = JSON.parse(body.toString('utf8') || '{}') as EventEnvelope;
          return { statusCode: 200, body: { delivered: await bus.deliver(event) } };
        },
        'GET /_local/events': async () => ({ statusCode: 200, body: { published: bus.published } }),
        // `{"label": "…"}`: another cluster, answered as `LocalClusterInfo`.
        'POST /_local/clusters': async (_request, body) => {
          const { label } = JSON.parse(body.toString('utf8') || '{}') as { label?: unknown };
          return { statusCode: 201, body: await addCluster(typeof label === 'string' && label !== '' ? label : 'cluster') };
        },
        // The same for an Aurora MySQL cluster, answered as `LocalMysqlClusterInfo`.
        'POST /_local/mysql-clusters': async (_request, body) => {
          const { label } = JSON.parse(body.toString('utf8') || '{}') as { label?: unknown };
          return { statusCode: 201, body: await addMysqlCluster(typeof label === 'string' && label !== '' ? label : 'mysql') };
        },
        'GET /_local/executions': async () => {
          await workflows.settled();
          return {
            statusCode: 200,
            body: { executions: workflows.executions().map(({ done: _done, ...execution }) => execution) },
          };
        },
      },
    });
    stops.push(
      () =>
        new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
    );

    const info: StackInfo = {
      api_url: `http://127.0.0.1:${options.ports.api}/api`,
      admin_token: await mintToken(signingKey, issuer, { sub: 'local-admin', org: LOCAL_ORG, groups: ['admin'], email: 'admin@local' }),
      cluster_arn: LOCAL_CLUSTER_ARN,
      secret_arn: LOCAL_SECRET_ARN,
      postgres_url: postgres.url('demo'),
      postgres_superuser_url: postgres.superuserUrl('demo'),
      ...(mysql ? { mysql_cluster_arn: LOCAL_MYSQL_CLUSTER_ARN, mysql_secret_arn: LOCAL_MYSQL_SECRET_ARN, mysql_url: mysql.url() } : {}),
      issuer,
      ports: options.ports,
    };
    writeFileSync(join(dir, 'stack.json'), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
    return { info, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
