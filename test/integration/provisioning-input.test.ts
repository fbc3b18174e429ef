import fc from 'fast-check';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { PRIVILEGES } from '../../functions/core/postgres/privileges';
import { apiAs, itemsOfOrg, newOrg } from '../support/api';
import { createDatabase, dataApiCalls, injectDataApiFaults, loginAs, masterClient, newDatabaseName, newMasterSecret, tryQuery } from '../support/postgres';
import type { PlanResult } from '../../functions/http/schemas/provisioning';

type Api = Awaited<ReturnType<typeof apiAs>>;

const db = newDatabaseName('provin');
const second = newDatabaseName('provin_b');

describe('plan and apply: bad input, batches, concurrency and every privilege combination', () => {
  const org = newOrg('provin');
  let admin: Api;
  let secretArn = '';

  beforeAll(async () => {
    await createDatabase(
      db,
      `CREATE SCHEMA app;
       CREATE TABLE app.items (id serial PRIMARY KEY, name text);
       CREATE VIEW app.item_names AS SELECT name FROM app.items;
       CREATE FUNCTION app.twice(x int) RETURNS int LANGUAGE sql AS 'SELECT x * 2';
       CREATE SCHEMA work;`,
    );
    await createDatabase(second, 'CREATE SCHEMA sales; CREATE TABLE sales.orders (id int);');
    admin = await apiAs({ org, groups: ['admin'] });
    const { cluster_arn } = inject('stack');
    secretArn = await newMasterSecret('provin');
    for (const [name, env] of [
      ['pg', { RDS_CLUSTER_ARN: cluster_arn, RDS_SECRET_ARN: secretArn }],
      ['pg-no-secret', { RDS_CLUSTER_ARN: cluster_arn }],
    ] as const) {
      expect((await admin('POST', '/resources', { body: { name, type: 'database', subtype: 'postgres', env_vars: env } })).status).toBe(201);
    }
    expect((await admin('POST', '/resources', { body: { name: 'mysql', type: 'database', subtype: 'mysql', env_vars: { RDS_CLUSTER_ARN: cluster_arn, RDS_SECRET_ARN: secretArn } } })).status).toBe(201);
  });

  const valid = () => ({ role: 'ro', privileges: ['SELECT'], scopes: [`${db}.app`] });

  const refusals: { case: string; path?: string; body: unknown; status: number; message: RegExp; errorPath?: string }[] = [
    { case: 'a label with a quote', body: { ...valid(), role: "'" }, status: 400, message: /invalid/, errorPath: 'role' },
    { case: 'a label over 44 characters', body: { ...valid(), role: 'r'.repeat(45) }, status: 400, message: /invalid/, errorPath: 'role' },
    { case: 'an unknown privilege', body: { ...valid(), privileges: ['SELECT', 'DROP'] }, status: 400, message: /invalid/, errorPath: 'privileges.1' },
    { case: 'a privilege with a semicolon', body: { ...valid(), privileges: ['SELECT; DROP ROLE postgres'] }, status: 400, message: /invalid/, errorPath: 'privileges.0' },
    { case: 'a scope with an unterminated quote', body: { ...valid(), scopes: [`${db}."app`] }, status: 400, message: /invalid/, errorPath: 'scopes.0' },
    { case: 'a scope with three parts', body: { ...valid(), scopes: [`${db}.app.items`] }, status: 400, message: /invalid/, errorPath: 'scopes.0' },
    { case: 'a scope over 63 bytes', body: { ...valid(), scopes: [`${db}.${'é'.repeat(32)}`] }, status: 400, message: /invalid/, errorPath: 'scopes.0' },
    { case: 'managed without privileges', body: { role: 'ro', scopes: [`${db}.app`] }, status: 400, message: /invalid/, errorPath: 'privileges' },
    { case: 'managed without scopes', body: { role: 'ro', privileges: ['SELECT'] }, status: 400, message: /invalid/, errorPath: 'scopes' },
    { case: 'managed with a source role', body: { ...valid(), source_role: 'postgres' }, status: 400, message: /invalid/, errorPath: 'source_role' },
    { case: 'external with scopes', body: { role: 'ext', type: 'external', source_role: 'postgres', scopes: [`${db}.app`] }, status: 400, message: /invalid/, errorPath: 'scopes' },
    { case: 'external with privileges', body: { role: 'ext', type: 'external', source_role: 'postgres', privileges: ['SELECT'] }, status: 400, message: /invalid/, errorPath: 'privileges' },
    { case: 'external without a source role', body: { role: 'ext', type: 'external' }, status: 400, message: /invalid/, errorPath: 'source_role' },
    // PostgreSQL refused a NUL itself, and its error text and SQLSTATE came back in a 200.
    { case: 'a source role with a NUL', body: { role: 'ext', type: 'external', source_role: 'post\u0000gres' }, status: 400, message: /invalid/, errorPath: 'source_role' },
    { case: 'a source role with a lone surrogate', body: { role: 'ext', type: 'external', source_role: 'readers\ud800' }, status: 400, message: /invalid/, errorPath: 'source_role' },
    { case: 'a batch item whose source role has a NUL', path: '/resources/plan', body: { items: [{ resource_name: 'pg', role: 'ext', type: 'external', source_role: '\u0000' }] }, status: 400, message: /invalid/, errorPath: 'items.0.source_role' },
    { case: 'a label with a NUL', body: { ...valid(), role: 'r\u0000o' }, status: 400, message: /invalid/, errorPath: 'role' },
    { case: 'a label with a lone surrogate', body: { ...valid(), role: 'ro\ud800' }, status: 400, message: /invalid/, errorPath: 'role' },
    { case: 'an unknown type', body: { ...valid(), type: 'owner' }, status: 400, message: /invalid/, errorPath: 'type' },
    { case: 'a resource without RDS_SECRET_ARN', path: '/resources/pg-no-secret/plan', body: valid(), status: 422, message: /RDS_SECRET_ARN/ },
    { case: 'a resource that is not postgres', path: '/resources/mysql/plan', body: valid(), status: 422, message: /plan and apply are PostgreSQL-only/ },
    { case: 'a missing resource', path: '/resources/nope/plan', body: valid(), status: 404, message: /resource not found/ },
    { case: 'an apply with a bad sid', path: '/resources/pg/apply', body: { sid: 'x' }, status: 400, message: /invalid/, errorPath: 'sid' },
    { case: 'a batch of 51', path: '/resources/plan', body: { items: Array.from({ length: 51 }, () => ({ ...valid(), resource_name: 'pg' })) }, status: 400, message: /invalid/, errorPath: 'items' },
    { case: 'an empty batch', path: '/resources/plan', body: { items: [] }, status: 400, message: /invalid/, errorPath: 'items' },
  ];

  it.each(refusals)('refuses $case with $status, and runs nothing', async (refusal) => {
    // Prepare
    const calls = await dataApiCalls(secretArn);
    const items = await itemsOfOrg(org);

    // Act
    const answer = await admin('POST', refusal.path ?? '/resources/pg/plan', { body: refusal.body });

    // Assess
    expect(answer.status).toBe(refusal.status);
    const body = answer.body as { message: string; errors?: { path: string }[] };
    expect(body.message).toMatch(refusal.message);
    if (refusal.errorPath) expect(body.errors?.map((error) => error.path)).toContain(refusal.errorPath);
    expect(await dataApiCalls(secretArn)).toBe(calls);
    expect(await itemsOfOrg(org)).toEqual(items);
  });

  it('answers status failed, with a clear message, for scopes and source roles that do not exist', async () => {
    // Act
    const noDatabase = (await admin('POST', '/resources/pg/plan', { body: { ...valid(), scopes: ['no_such_db.app'] } })).body as PlanResult;
    const noSchema = (await admin('POST', '/resources/pg/plan', { body: { ...valid(), scopes: [`${db}.nope`] } })).body as PlanResult;
    const noSource = (await admin('POST', '/resources/pg/plan', { body: { role: 'ext', type: 'external', source_role: 'no_such_role' } })).body as PlanResult;
    const applyFailed = await admin('POST', '/resources/pg/apply', { body: { sid: noSchema.sid } });

    // Assess
    expect(noDatabase).toMatchObject({ status: 'failed', message: 'scope "no_such_db" does not exist: no such database' });
    expect(noSchema).toMatchObject({ status: 'failed', message: `scope "${db}.nope" does not exist: no such schema` });
    expect(noSource).toMatchObject({ status: 'failed', message: 'source role "no_such_role" does not exist' });
    expect(applyFailed).toMatchObject({ status: 409, body: { message: 'the plan failed: there is nothing to apply' } });
  });

  it('retries a resuming cluster and still plans, with the retries counted', async () => {
    // Prepare
    await injectDataApiFaults(secretArn, 2, 'DatabaseResumingException');
    const calls = await dataApiCalls(secretArn);

    // Act
    const planned = (await admin('POST', '/resources/pg/plan', { body: valid() })).body as PlanResult;

    // Assess
    expect(planned.status).toBe('success');
    expect((await dataApiCalls(secretArn)) - calls).toBe(2 + 2);
  });

  it('gives up after the retry budget and reports the error as failed', async () => {
    // Prepare: a transient error that does not stop
    await injectDataApiFaults(secretArn, 50, 'DatabaseResumingException');

    // Act
    const planned = (await admin('POST', '/resources/pg/plan', { body: valid() })).body as PlanResult;
    await injectDataApiFaults(secretArn, 0, 'DatabaseResumingException');

    // Assess
    expect(planned).toMatchObject({ status: 'failed', message: expect.stringContaining('DatabaseResumingException') });
  });

  it('plans and applies a batch of 20 roles concurrently, in item order', async () => {
    // Prepare
    const labels = Array.from({ length: 20 }, (_, index) => `batch${index}`);

    // Act
    const planned = await admin('POST', '/resources/plan', {
      body: { items: [...labels.map((role) => ({ resource_name: 'pg', role, privileges: ['SELECT'], scopes: [`${db}.app`, `${second}.sales`] })), { resource_name: 'nope', role: 'x', privileges: ['SELECT'], scopes: [`${db}.app`] }] },
    });
    const results = (planned.body as { results: PlanResult[] }).results;
    const applied = await admin('POST', '/resources/apply', { body: { items: results.map((result, index) => ({ sid: result.sid, resource_name: index < 20 ? 'pg' : 'nope' })) } });

    // Assess
    expect(planned.status).toBe(200);
    expect(results.slice(0, 20).map((result) => result.status)).toEqual(Array(20).fill('success'));
    expect(results.slice(0, 20).map((result) => result.role.split('_').at(-2))).toEqual(labels);
    expect(results[20]).toMatchObject({ status: 'failed', message: 'resource not found' });
    const outcomes = (applied.body as { results: { status: string; message: string }[] }).results.map((result) => (result.status === 'failed' && result.message !== 'resource not found' ? result.message : result.status));
    expect(outcomes).toEqual([...Array(20).fill('success'), 'failed']);
    const master = await masterClient();
    const { rows } = await master.query(`SELECT count(*)::int AS n FROM pg_roles WHERE rolname LIKE 'hoopdev_pg_batch%'`);
    await master.end();
    expect(rows[0].n).toBe(20);
  });

  it('serialises two applies of the same role: one runs, the other ends cleanly with 409', async () => {
    // Prepare: two plans made from the same state
    const body = { role: 'race', privileges: ['SELECT', 'INSERT'], scopes: [`${db}.app`] };
    const first = (await admin('POST', '/resources/pg/plan', { body })).body as PlanResult;
    const secondPlan = (await admin('POST', '/resources/pg/plan', { body })).body as PlanResult;

    // Act
    const answers = await Promise.all([first, secondPlan].map((plan) => admin('POST', '/resources/pg/apply', { body: { sid: plan.sid } })));

    // Assess
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    expect(answers.find((answer) => answer.status === 409)?.body).toMatchObject({ message: expect.stringContaining('plan again') });
    const after = (await admin('POST', '/resources/pg/plan', { body })).body as PlanResult;
    expect(after.in_sync).toBe(true);
  });

  it('turns every combination of privileges into valid SQL that converges, on PostgreSQL', async () => {
    // Prepare
    const combinations = fc.subarray([...PRIVILEGES], { minLength: 1 });
    let run = 0;

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(combinations, fc.boolean(), async (privileges, twoSchemas) => {
        const label = `combo${run++}`;
        const body = { role: label, privileges, scopes: twoSchemas ? [`${db}.app`, `${db}.work`] : [`${db}.app`] };
        const planned = (await admin('POST', '/resources/pg/plan', { body })).body as PlanResult;
        expect(planned.status).toBe('success');
        const applied = await admin('POST', '/resources/pg/apply', { body: { sid: planned.sid } });
        expect(applied.body).toMatchObject({ status: 'success' });
        const again = (await admin('POST', '/resources/pg/plan', { body })).body as PlanResult;
        expect(again.changes).toEqual([]);

        // The role can do exactly what it was given on a table.
        const secret = ((await admin('GET', `/resources/pg/roles/${planned.role}/credentials`)).body as { secret: Record<string, string> }).secret;
        const session = await loginAs(planned.role, secret['envvar:PASS'] ?? '', db);
        try {
          const select = await tryQuery(session, 'SELECT count(*) FROM app.items');
          expect(select.ok).toBe(privileges.includes('SELECT'));
          const create = await tryQuery(session, `CREATE TABLE app.${label}_t (id int)`);
          expect(create.ok).toBe(privileges.includes('CREATE'));
          const execute = await tryQuery(session, 'SELECT app.twice(2)');
          // PUBLIC may execute functions by default; what the plan adds must never break it.
          expect(execute.ok).toBe(true);
        } finally {
          await session.end();
        }
      }),
      { numRuns: 24 },
    );
  });
});
