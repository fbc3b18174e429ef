import pg from 'pg';
import type { StackInfo } from '../../infra/local/stack';
import type { BenchRow } from './report';
import { dataApiCalls } from './data-api-calls';

const DATABASES = 20;
const SCHEMAS = 20;
const TABLES_PER_SCHEMA = 5;

async function query(stack: StackInfo, database: string, text: string): Promise<pg.QueryResult> {
  const url = new URL(stack.postgres_url);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/** A DB role job on 20 databases × 20 schemas (× 5 tables): wall time and Data API calls per role per database. */
export async function benchJobs(stack: StackInfo): Promise<BenchRow[]> {
  for (let index = 1; index <= DATABASES; index++) {
    const database = `jobs_bench_${index}`;
    await query(stack, 'postgres', `DROP DATABASE IF EXISTS ${database}`);
    await query(stack, 'postgres', `CREATE DATABASE ${database}`);
    await query(
      stack,
      database,
      `DO $$ BEGIN FOR s IN 1..${SCHEMAS} LOOP
         EXECUTE format('CREATE SCHEMA s%s', s);
         FOR t IN 1..${TABLES_PER_SCHEMA} LOOP EXECUTE format('CREATE TABLE s%s.t%s (id serial PRIMARY KEY)', s, t); END LOOP;
       END LOOP; END $$`,
    );
  }
  const { rows } = await query(stack, 'postgres', "SELECT count(*)::int AS n FROM pg_database WHERE NOT datistemplate AND datallowconn AND datname <> 'rdsadmin'");
  const databases = (rows[0] as { n: number }).n;

  const headers = { authorization: `Bearer ${stack.admin_token}`, 'content-type': 'application/json' };
  const calls = await dataApiCalls(stack);
  const started = performance.now();
  const created = await fetch(`${stack.api_url}/dbroles/jobs`, { method: 'POST', headers, body: JSON.stringify({ aws: { instance_arn: stack.cluster_arn }, connection_prefix_name: 'bench-' }) });
  const { job_id } = (await created.json()) as { job_id: string };
  let phase = 'running';
  while (phase === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const job = (await (await fetch(`${stack.api_url}/dbroles/jobs/${job_id}`, { headers })).json()) as { status: { phase: string; message: string } };
    phase = job.status.phase;
    if (phase === 'failed') throw new Error(`bench job failed: ${job.status.message}`);
  }
  const wall = performance.now() - started;
  const jobCalls = (await dataApiCalls(stack)) - calls;
  const label = `${databases} databases (${DATABASES} × ${SCHEMAS} schemas × ${TABLES_PER_SCHEMA} tables)`;
  return [
    { section: 'dbroles', metric: `job on ${label} wall time`, value: wall, unit: 'ms' },
    { section: 'dbroles', metric: 'job Data API calls', value: jobCalls, unit: 'calls' },
    { section: 'dbroles', metric: 'Data API calls per role per database', value: jobCalls / (3 * databases), unit: 'calls', baseline: { name: 'schemas per database', value: SCHEMAS } },
    { section: 'dbroles', metric: 'wall time per role per database', value: wall / (3 * databases), unit: 'ms' },
  ];
}
