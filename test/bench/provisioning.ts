import pg from 'pg';
import { CLUSTER_STATE_SQL, DATABASE_STATE_SQL } from '../../functions/core/postgres/catalog';
import type { StackInfo } from '../../infra/local/stack';
import type { BenchRow } from './report';
import { dataApiCalls } from './data-api-calls';

const DATABASES = ['bench_a', 'bench_b'];
const SCHEMAS_PER_DATABASE = 50;
const TABLES_PER_SCHEMA = 100;

interface Change {
  database: string;
  sql: string;
}

function connect(stack: StackInfo, database: string): pg.Client {
  const url = new URL(stack.postgres_url);
  url.pathname = `/${database}`;
  return new pg.Client({ connectionString: url.toString() });
}

async function withClient<T>(stack: StackInfo, database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = connect(stack, database);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** 2 databases × 50 schemas × 100 tables: 100 schemas and 10,000 tables in all. */
async function generateCatalog(stack: StackInfo): Promise<void> {
  for (const database of DATABASES) {
    await withClient(stack, 'postgres', async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${database}`);
      await client.query(`CREATE DATABASE ${database}`);
    });
    await withClient(stack, database, (client) =>
      client.query(`DO $$ BEGIN
        FOR s IN 1..${SCHEMAS_PER_DATABASE} LOOP
          EXECUTE format('CREATE SCHEMA s%s', s);
          FOR t IN 1..${TABLES_PER_SCHEMA} LOOP
            EXECUTE format('CREATE TABLE s%s.t%s (id int)', s, t);
          END LOOP;
        END LOOP;
      END $$`),
    );
  }
}

const named = (sql: string, parameters: Record<string, string>) => {
  const names = Object.keys(parameters);
  return { text: sql.replace(/:(\w+)\b/g, (match, name: string) => (names.includes(name) ? `$${names.indexOf(name) + 1}` : match)), values: Object.values(parameters) };
};

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

/**
 * Plan and apply of one role with SELECT on all 100 schemas, through the local API and Data API,
 * next to the same catalog reads and the same GRANT statements run directly with a PostgreSQL client.
 */
export async function benchProvisioning(stack: StackInfo): Promise<BenchRow[]> {
  await generateCatalog(stack);
  const headers = { authorization: `Bearer ${stack.admin_token}`, 'content-type': 'application/json' };
  const post = async (path: string, body: unknown) => {
    const answer = await fetch(`${stack.api_url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    return (await answer.json()) as Record<string, unknown>;
  };
  await post('/resources', { name: 'bench-pg', type: 'database', subtype: 'postgres', env_vars: { RDS_CLUSTER_ARN: stack.cluster_arn, RDS_SECRET_ARN: stack.secret_arn } });
  const scopes = DATABASES.flatMap((database) => Array.from({ length: SCHEMAS_PER_DATABASE }, (_, index) => `${database}.s${index + 1}`));
  const request = { role: `bench${Date.now()}`, privileges: ['SELECT'], scopes };

  const callsBeforePlan = await dataApiCalls(stack);
  const plan = await timed(() => post('/resources/bench-pg/plan', request));
  const planCalls = (await dataApiCalls(stack)) - callsBeforePlan;
  if (plan.value.status !== 'success') throw new Error(`bench plan failed: ${String(plan.value.message)}`);
  const role = String(plan.value.role);
  const changes = plan.value.changes as Change[];

  // The bare catalog reads: the same SQL, straight to PostgreSQL.
  const bareCatalog = await timed(async () => {
    await withClient(stack, 'postgres', (client) => client.query(named(CLUSTER_STATE_SQL, { role, source: '' })));
    await Promise.all(
      DATABASES.map((database) =>
        withClient(stack, database, (client) =>
          client.query(named(DATABASE_STATE_SQL, { role, schemas: JSON.stringify(Array.from({ length: SCHEMAS_PER_DATABASE }, (_, index) => `s${index + 1}`)) })),
        ),
      ),
    );
  });

  const callsBeforeApply = await dataApiCalls(stack);
  const apply = await timed(() => post('/resources/bench-pg/apply', { sid: plan.value.sid }));
  const applyCalls = (await dataApiCalls(stack)) - callsBeforeApply;
  if (apply.value.status !== 'success') throw new Error(`bench apply failed: ${String(apply.value.message)}`);

  // The bare statements: the plan's GRANTs for another role, one transaction per database, no API.
  const bareRole = `${role}_bare`;
  const bareGrants = await timed(async () => {
    for (const database of ['postgres', ...DATABASES]) {
      await withClient(stack, database, async (client) => {
        await client.query('BEGIN');
        for (const change of changes.filter((candidate) => candidate.database === database)) {
          await client.query(change.sql.replaceAll(`"${role}"`, `"${bareRole}"`).replace("PASSWORD '<generated password>'", "PASSWORD 'bench-only-password'"));
        }
        await client.query('COMMIT');
      });
    }
  });

  const inSync = await timed(() => post('/resources/bench-pg/plan', request));
  const label = `${DATABASES.length} dbs × ${SCHEMAS_PER_DATABASE} schemas × ${TABLES_PER_SCHEMA} tables`;
  return [
    { section: 'provisioning', metric: `plan (${label}) wall time`, value: plan.ms, unit: 'ms', baseline: { name: 'bare catalog queries', value: bareCatalog.ms } },
    { section: 'provisioning', metric: 'plan Data API calls', value: planCalls, unit: 'calls', baseline: { name: '1 + databases', value: 1 + DATABASES.length } },
    { section: 'provisioning', metric: `apply (${changes.length} statements) wall time`, value: apply.ms, unit: 'ms', baseline: { name: 'bare statements over pg', value: bareGrants.ms } },
    { section: 'provisioning', metric: 'apply Data API calls', value: applyCalls, unit: 'calls', baseline: { name: 'statements', value: changes.length } },
    { section: 'provisioning', metric: 'plan after apply (in sync) wall time', value: inSync.ms, unit: 'ms', baseline: { name: 'bare catalog queries', value: bareCatalog.ms } },
  ];
}
