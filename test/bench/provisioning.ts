import pg from 'pg';
import { CLUSTER_STATE_SQL, DATABASE_STATE_SQL } from '../../functions/core/postgres/catalog';
import type { StackInfo } from '../../infra/local/stack';
import type { BenchRow } from './report';
import { dataApiCalls } from './data-api-calls';

/** The apply's catalog and the plan's smaller one: 2 databases × 50 schemas × 100 tables. */
const DATABASES = ['bench_a', 'bench_b'];
const SCHEMAS_PER_DATABASE = 50;
/** The plan's larger catalog: 2 databases × 100 schemas × 100 tables. */
const LARGE_DATABASES = ['bench_c', 'bench_d'];
const LARGE_SCHEMAS_PER_DATABASE = 100;
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

/** Databases of `schemas` schemas × 100 tables each. */
async function generateCatalog(stack: StackInfo, databases: string[], schemas: number): Promise<void> {
  for (const database of databases) {
    await withClient(stack, 'postgres', async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${database}`);
      await client.query(`CREATE DATABASE ${database}`);
    });
    await withClient(stack, database, (client) =>
      client.query(`DO $$ BEGIN
        FOR s IN 1..${schemas} LOOP
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

/** The catalogs (2 × 50 × 100 and 2 × 100 × 100) and the resource the provisioning bench plans on, made once. */
export async function prepareProvisioningBench(stack: StackInfo): Promise<void> {
  await generateCatalog(stack, DATABASES, SCHEMAS_PER_DATABASE);
  await generateCatalog(stack, LARGE_DATABASES, LARGE_SCHEMAS_PER_DATABASE);
  const answer = await fetch(`${stack.api_url}/resources`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.admin_token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench-pg', type: 'database', subtype: 'postgres', env_vars: { RDS_CLUSTER_ARN: stack.cluster_arn, RDS_SECRET_ARN: stack.secret_arn } }),
  });
  if (answer.status !== 201) throw new Error(`could not create the bench resource: ${answer.status}`);
}

/**
 * Drops the larger catalog once the provisioning bench is done: the job bench provisions every
 * database of the cluster, and its figures compare across versions on the same 24 databases. FORCE:
 * the local Data API's pool still holds idle sessions there.
 */
export async function cleanUpProvisioningBench(stack: StackInfo): Promise<void> {
  await withClient(stack, 'postgres', async (client) => {
    for (const database of LARGE_DATABASES) await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });
}

const schemaNames = (count: number) => Array.from({ length: count }, (_, index) => `s${index + 1}`);
const scopesOf = (databases: string[], schemas: number) => databases.flatMap((database) => schemaNames(schemas).map((schema) => `${database}.${schema}`));
const labelOf = (databases: string[], schemas: number) => `${databases.length} dbs × ${schemas} schemas × ${TABLES_PER_SCHEMA} tables`;

/** The plan's catalog reads, the same SQL straight to PostgreSQL: the cluster's, then the databases' at once. */
function bareCatalogReads(stack: StackInfo, role: string, databases: string[], schemas: number) {
  return timed(async () => {
    await withClient(stack, 'postgres', (client) => client.query(named(CLUSTER_STATE_SQL, { role, source: '' })));
    await Promise.all(
      databases.map((database) => withClient(stack, database, (client) => client.query(named(DATABASE_STATE_SQL, { role, schemas: JSON.stringify(schemaNames(schemas)) })))),
    );
  });
}

let roles = 0;

/**
 * One run: plan and apply of a new role with SELECT on all 100 schemas of the 2 × 50 × 100 catalog,
 * and a plan on the 2 × 100 × 100 one, through the local API and Data API, next to the same catalog
 * reads and the same GRANT statements run directly with a PostgreSQL client.
 */
export async function benchProvisioning(stack: StackInfo): Promise<BenchRow[]> {
  const headers = { authorization: `Bearer ${stack.admin_token}`, 'content-type': 'application/json' };
  const post = async (path: string, body: unknown) => {
    const answer = await fetch(`${stack.api_url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    return (await answer.json()) as Record<string, unknown>;
  };
  const request = { role: `bench${Date.now()}n${roles++}`, privileges: ['SELECT'], scopes: scopesOf(DATABASES, SCHEMAS_PER_DATABASE) };

  const callsBeforePlan = await dataApiCalls(stack);
  const plan = await timed(() => post('/resources/bench-pg/plan', request));
  const planCalls = (await dataApiCalls(stack)) - callsBeforePlan;
  if (plan.value.status !== 'success') throw new Error(`bench plan failed: ${String(plan.value.message)}`);
  const role = String(plan.value.role);
  const changes = plan.value.changes as Change[];
  const bareCatalog = await bareCatalogReads(stack, role, DATABASES, SCHEMAS_PER_DATABASE);

  const callsBeforeApply = await dataApiCalls(stack);
  const apply = await timed(() => post('/resources/bench-pg/apply', { sid: plan.value.sid }));
  const applyCalls = (await dataApiCalls(stack)) - callsBeforeApply;
  if (apply.value.status !== 'success') throw new Error(`bench apply failed: ${String(apply.value.message)}`);

  // The bare statements: the plan's GRANTs for another role, one transaction per database, no API.
  const bareRole = `${role}_bare`;
  const touched = ['postgres', ...DATABASES];
  const bareGrants = await timed(async () => {
    for (const database of touched) {
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
  if (inSync.value.in_sync !== true) throw new Error('bench plan after apply is not in sync');

  const largeRequest = { role: `${request.role}l`, privileges: ['SELECT'], scopes: scopesOf(LARGE_DATABASES, LARGE_SCHEMAS_PER_DATABASE) };
  const largePlan = await timed(() => post('/resources/bench-pg/plan', largeRequest));
  if (largePlan.value.status !== 'success') throw new Error(`bench plan failed: ${String(largePlan.value.message)}`);
  const largeBareCatalog = await bareCatalogReads(stack, String(largePlan.value.role), LARGE_DATABASES, LARGE_SCHEMAS_PER_DATABASE);

  return [
    { section: 'provisioning', metric: `plan (${labelOf(DATABASES, SCHEMAS_PER_DATABASE)}) wall time`, value: plan.ms, unit: 'ms', baseline: { name: 'bare catalog queries', value: bareCatalog.ms } },
    { section: 'provisioning', metric: 'plan Data API calls', value: planCalls, unit: 'calls', baseline: { name: '1 + databases', value: 1 + DATABASES.length } },
    { section: 'provisioning', metric: `apply (${changes.length} statements) wall time`, value: apply.ms, unit: 'ms', baseline: { name: 'bare statements over pg', value: bareGrants.ms } },
    { section: 'provisioning', metric: 'apply Data API calls', value: applyCalls, unit: 'calls', baseline: { name: 'databases touched', value: touched.length } },
    { section: 'provisioning', metric: 'plan after apply (in sync) wall time', value: inSync.ms, unit: 'ms', baseline: { name: 'bare catalog queries', value: bareCatalog.ms } },
    {
      section: 'provisioning',
      metric: `plan (${labelOf(LARGE_DATABASES, LARGE_SCHEMAS_PER_DATABASE)}) wall time`,
      value: largePlan.ms,
      unit: 'ms',
      baseline: { name: 'bare catalog queries', value: largeBareCatalog.ms },
    },
  ];
}
