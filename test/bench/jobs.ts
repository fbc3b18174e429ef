import { GetExecutionHistoryCommand, type HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { LocalClusterInfo, LocalMysqlClusterInfo, StackInfo } from '../../infra/local/stack';
import { LOCAL_STATE_MACHINE_ARN } from '../../infra/local/workflows';
import type { BenchRow } from './report';
import { dataApiCalls } from './data-api-calls';

/** The stack's own cluster gets 20 databases of 20 schemas × 5 tables (beside the others it holds). */
const DATABASES = 20;
const SCHEMAS = 20;
const TABLES_PER_SCHEMA = 5;
/** A cluster of its own with 100 databases in all, each of 5 schemas × 5 tables. */
const LARGE_CLUSTER_DATABASES = 100;
const LARGE_CLUSTER_SCHEMAS = 5;

async function query(url: string, database: string, text: string): Promise<pg.QueryResult> {
  const target = new URL(url);
  target.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: target.toString() });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

const JOB_DATABASES = "SELECT count(*)::int AS n FROM pg_database WHERE NOT datistemplate AND datallowconn AND datname <> 'rdsadmin'";

/** Creates the databases that do not exist yet (a bench run measures several jobs on the same catalog). */
async function ensureDatabases(url: string, prefix: string, count: number, schemas: number, tables: number): Promise<number> {
  const { rows } = await query(url, 'postgres', `SELECT datname FROM pg_database WHERE datname LIKE '${prefix}%'`);
  const existing = new Set(rows.map((row: { datname: string }) => row.datname));
  for (let index = 1; index <= count; index++) {
    const database = `${prefix}${index}`;
    if (existing.has(database)) continue;
    await query(url, 'postgres', `CREATE DATABASE ${database}`);
    await query(
      url,
      database,
      `DO $$ BEGIN FOR s IN 1..${schemas} LOOP
         EXECUTE format('CREATE SCHEMA s%s', s);
         FOR t IN 1..${tables} LOOP EXECUTE format('CREATE TABLE s%s.t%s (id serial PRIMARY KEY)', s, t); END LOOP;
       END LOOP; END $$`,
    );
  }
  return ((await query(url, 'postgres', JOB_DATABASES)).rows[0] as { n: number }).n;
}

let largeCluster: Promise<LocalClusterInfo> | undefined;
let mysqlCluster: Promise<LocalMysqlClusterInfo & { schemas: number }> | undefined;
const MYSQL_SCHEMAS = 20;

/** An Aurora MySQL cluster (MariaDB) of the bench's own with 20 schemas of 5 tables (beside its demo schemas), made once per run. */
function mysqlClusterOf(stack: StackInfo): Promise<LocalMysqlClusterInfo & { schemas: number }> {
  mysqlCluster ??= (async () => {
    const origin = stack.api_url.replace(/\/api$/, '');
    const answer = await fetch(`${origin}/_local/mysql-clusters`, { method: 'POST', body: JSON.stringify({ label: 'bench' }) });
    if (answer.status !== 201) throw new Error(`POST /_local/mysql-clusters: ${answer.status} ${await answer.text()}`);
    const cluster = (await answer.json()) as LocalMysqlClusterInfo;
    const url = new URL(cluster.mysql_url);
    const master = await mysql.createConnection({ host: url.hostname, port: Number(url.port), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) });
    try {
      for (let schema = 1; schema <= MYSQL_SCHEMAS; schema++) {
        await master.query(`CREATE SCHEMA IF NOT EXISTS s${schema}`);
        for (let table = 1; table <= 5; table++) await master.query(`CREATE TABLE IF NOT EXISTS s${schema}.t${table} (id int PRIMARY KEY)`);
      }
      const [rows] = await master.query("SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN ('information_schema', 'mysql', 'performance_schema', 'sys')");
      return { ...cluster, schemas: Number((rows as { n: number }[])[0]?.n ?? 0) };
    } finally {
      await master.end();
    }
  })();
  return mysqlCluster;
}

/** A second local cluster (another PostgreSQL server), made once per bench run, with 100 databases. */
function largeClusterOf(stack: StackInfo): Promise<LocalClusterInfo> {
  largeCluster ??= (async () => {
    const origin = stack.api_url.replace(/\/api$/, '');
    const answer = await fetch(`${origin}/_local/clusters`, { method: 'POST', body: JSON.stringify({ label: 'bench-large' }) });
    if (answer.status !== 201) throw new Error(`POST /_local/clusters: ${answer.status} ${await answer.text()}`);
    const cluster = (await answer.json()) as LocalClusterInfo;
    const existing = ((await query(cluster.postgres_url, 'postgres', JOB_DATABASES)).rows[0] as { n: number }).n;
    await ensureDatabases(cluster.postgres_url, 'large_', LARGE_CLUSTER_DATABASES - existing, LARGE_CLUSTER_SCHEMAS, 5);
    return cluster;
  })();
  return largeCluster;
}

interface JobRun {
  wall: number;
  calls: number;
  /** The longest single Lambda invocation of the workflow: what a Task timeout must cover. */
  longestTask: number;
}

/** The longest LambdaFunctionStarted → Succeeded/Failed of an execution. */
function longestTaskOf(events: HistoryEvent[]): number {
  const started = new Map(events.filter((event) => event.type === 'LambdaFunctionStarted').map((event) => [event.id, event.timestamp?.getTime() ?? 0]));
  let longest = 0;
  for (const event of events) {
    if (event.type !== 'LambdaFunctionSucceeded' && event.type !== 'LambdaFunctionFailed') continue;
    const from = started.get(event.previousEventId);
    if (from !== undefined) longest = Math.max(longest, (event.timestamp?.getTime() ?? 0) - from);
  }
  return longest;
}

async function historyOf(stack: StackInfo, executionArn: string): Promise<HistoryEvent[]> {
  const client = new SFNClient({ endpoint: `http://127.0.0.1:${stack.ports.stepFunctions}`, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** Runs one job on a cluster to its end: wall time, Data API calls, longest Task. */
async function runJob(stack: StackInfo, cluster: { instanceArn: string; secretArn: string }): Promise<JobRun> {
  const headers = { authorization: `Bearer ${stack.admin_token}`, 'content-type': 'application/json' };
  const calls = await dataApiCalls(stack, cluster.secretArn);
  const started = performance.now();
  const created = await fetch(`${stack.api_url}/dbroles/jobs`, { method: 'POST', headers, body: JSON.stringify({ aws: { instance_arn: cluster.instanceArn }, connection_prefix_name: 'bench-' }) });
  if (created.status !== 202) throw new Error(`bench job not started: ${created.status} ${await created.text()}`);
  const { job_id } = (await created.json()) as { job_id: string };
  let phase = 'running';
  while (phase === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const job = (await (await fetch(`${stack.api_url}/dbroles/jobs/${job_id}`, { headers })).json()) as { status: { phase: string; message: string; result: { message: string }[] } };
    phase = job.status.phase;
    if (phase === 'failed') throw new Error(`bench job failed: ${job.status.message} ${job.status.result.map((result) => result.message).join('; ')}`);
  }
  const wall = performance.now() - started;
  const jobCalls = (await dataApiCalls(stack, cluster.secretArn)) - calls;
  // The job records its phase in the workflow's last state, a moment before the execution ends.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const executionArn = `${LOCAL_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${job_id}`;
  return { wall, calls: jobCalls, longestTask: longestTaskOf(await historyOf(stack, executionArn)) };
}

/**
 * DB role jobs: one on the stack's cluster (20 databases × 20 schemas × 5 tables, beside the others it
 * holds) and one on a cluster of 100 databases. Wall time, Data API calls per role per database, and
 * the longest single Task (what grows with the cluster if anything does).
 */
export async function benchJobs(stack: StackInfo): Promise<BenchRow[]> {
  const databases = await ensureDatabases(stack.postgres_url, 'jobs_bench_', DATABASES, SCHEMAS, TABLES_PER_SCHEMA);
  const large = await largeClusterOf(stack);
  const largeDatabases = ((await query(large.postgres_url, 'postgres', JOB_DATABASES)).rows[0] as { n: number }).n;

  const job = await runJob(stack, { instanceArn: stack.cluster_arn, secretArn: stack.secret_arn });
  const largeJob = await runJob(stack, { instanceArn: large.instance_arn, secretArn: large.secret_arn });
  const mysqlRows: BenchRow[] = [];
  if (stack.mysql_url) {
    const cluster = await mysqlClusterOf(stack);
    const mysqlJob = await runJob(stack, { instanceArn: cluster.instance_arn, secretArn: cluster.secret_arn });
    mysqlRows.push(
      { section: 'dbroles', metric: `MySQL job on ${cluster.schemas} schemas wall time`, value: mysqlJob.wall, unit: 'ms' },
      { section: 'dbroles', metric: `MySQL job on ${cluster.schemas} schemas: Data API calls per role`, value: mysqlJob.calls / 3, unit: 'calls', baseline: { name: 'schemas', value: cluster.schemas } },
    );
  }
  const label = `${databases} databases (${DATABASES} × ${SCHEMAS} schemas × ${TABLES_PER_SCHEMA} tables)`;
  return [
    { section: 'dbroles', metric: `job on ${label} wall time`, value: job.wall, unit: 'ms' },
    { section: 'dbroles', metric: 'job Data API calls', value: job.calls, unit: 'calls' },
    { section: 'dbroles', metric: 'Data API calls per role per database', value: job.calls / (3 * databases), unit: 'calls', baseline: { name: 'schemas per database', value: SCHEMAS } },
    { section: 'dbroles', metric: 'wall time per role per database', value: job.wall / (3 * databases), unit: 'ms' },
    { section: 'dbroles', metric: 'longest single Task', value: job.longestTask, unit: 'ms' },
    { section: 'dbroles', metric: `job on ${largeDatabases} databases (${LARGE_CLUSTER_SCHEMAS} schemas × 5 tables) wall time`, value: largeJob.wall, unit: 'ms' },
    { section: 'dbroles', metric: `job on ${largeDatabases} databases: Data API calls per role per database`, value: largeJob.calls / (3 * largeDatabases), unit: 'calls' },
    { section: 'dbroles', metric: `job on ${largeDatabases} databases: longest single Task`, value: largeJob.longestTask, unit: 'ms' },
    ...mysqlRows,
  ];
}
