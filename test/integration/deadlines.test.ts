import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiAs, itemsOfOrg, newOrg } from '../support/api';
import { stallDynamoDb } from '../support/dynamodb';
import { createDatabase, loginAs, newDatabaseName, newMasterSecret, stallDataApi, tryQuery } from '../support/postgres';
import type { PlanResult } from '../../functions/http/schemas/provisioning';

type Api = Awaited<ReturnType<typeof apiAs>>;

interface Session {
  id: string;
  kind: string;
  status: string;
  output: { status: string; message: string };
  plan_sid?: string;
}

/** A Lambda timeout of 8 s (local-only header): the work stops at 6 s, the answer comes by 7.5 s. */
const SHORT = { 'x-local-lambda-timeout-ms': '8000' };
/** Longer than the short Lambda timeout: the backend answers only after the caller's deadline. */
const STALL_MS = 11_000;

const db = newDatabaseName('deadline');

describe('deadlines: a stalled backend gets a clear 503 or 504, and answers, sessions and the database agree', () => {
  const org = newOrg('deadline');
  let admin: Api;
  let secretArn = '';

  const timed = async <T>(work: () => Promise<T>) => {
    const started = Date.now();
    const value = await work();
    return { value, ms: Date.now() - started };
  };
  const plan = async (label: string) => (await admin('POST', '/resources/pg/plan', { body: { role: label, privileges: ['SELECT'], scopes: [`${db}.app`] } })).body as PlanResult;
  const applySessionOf = async (planSid: string) => {
    const page = (await admin('GET', '/sessions?resource_name=pg&kind=apply&page_size=100')).body as { items: Session[] };
    return page.items.find((session) => session.plan_sid === planSid);
  };
  const until = async <T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
    for (let attempt = 0; attempt < 60; attempt++) {
      const value = await read();
      if (done(value)) return value;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error('condition not met within 30 s');
  };

  beforeAll(async () => {
    await createDatabase(db, 'CREATE SCHEMA app; CREATE TABLE app.items (id int); INSERT INTO app.items VALUES (1);');
    admin = await apiAs({ org, groups: ['admin', 'auditor'] });
    secretArn = await newMasterSecret('deadline');
    const created = await admin('POST', '/resources', {
      body: { name: 'pg', type: 'database', subtype: 'postgres', env_vars: { RDS_CLUSTER_ARN: inject('stack').cluster_arn, RDS_SECRET_ARN: secretArn } },
    });
    expect(created.status).toBe(201);
  });

  it('answers 503 with Retry-After, inside the Lambda timeout, when the database stalls during a plan, and records nothing', async () => {
    // Prepare
    await stallDataApi(secretArn, { delayMs: STALL_MS });
    const before = await itemsOfOrg(org);

    // Act
    const { value: answer, ms } = await timed(() => admin('POST', '/resources/pg/plan', { body: { role: 'stall', privileges: ['SELECT'], scopes: [`${db}.app`] }, headers: SHORT }));

    // Assess
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('5');
    expect((answer.body as { message: string }).message).toMatch(/did not answer in time and nothing was changed/);
    expect(ms).toBeLessThan(8_000);
    expect(await itemsOfOrg(org)).toEqual(before);
  });

  it('answers 503 when an apply stalls before committing, says so in its session, and the plan can be applied again', async () => {
    // Prepare: the apply's first statement inside its transaction (the provisioning lock) stalls.
    const planned = await plan('again');
    expect(planned.status).toBe('success');
    await stallDataApi(secretArn, { operation: 'Execute', skip: 1, delayMs: STALL_MS });

    // Act
    const { value: answer, ms } = await timed(() => admin('POST', '/resources/pg/apply', { body: { sid: planned.sid }, headers: SHORT }));
    const session = await applySessionOf(planned.sid);
    const retried = await admin('POST', '/resources/pg/apply', { body: { sid: planned.sid } });

    // Assess: the answer, the session and the database agree, and the retry did the work
    expect(answer.status).toBe(503);
    expect(ms).toBeLessThan(8_000);
    const message = 'the database did not answer in time: nothing was applied, and the plan can be applied again';
    expect(answer.body).toEqual({ message });
    expect(session).toMatchObject({ status: 'failed', output: { status: 'failed', message } });
    expect(retried).toMatchObject({ status: 200, body: { status: 'success' } });
    const credentials = (await admin('GET', `/resources/pg/roles/${planned.role}/credentials`)).body as { secret: Record<string, string> };
    const login = await loginAs(planned.role, credentials.secret['envvar:PASS'] ?? '', db);
    expect(await tryQuery(login, 'SELECT * FROM app.items')).toMatchObject({ ok: true, rows: [{ id: 1 }] });
    await login.end();
  });

  it('answers 504 when the commit stalls: the session says the outcome is unknown, and a new plan shows what happened', async () => {
    // Prepare
    const planned = await plan('commit');
    await stallDataApi(secretArn, { operation: 'CommitTransaction', delayMs: STALL_MS });

    // Act
    const { value: answer, ms } = await timed(() => admin('POST', '/resources/pg/apply', { body: { sid: planned.sid }, headers: SHORT }));
    const session = await applySessionOf(planned.sid);
    const again = await admin('POST', '/resources/pg/apply', { body: { sid: planned.sid } });
    // The stalled commit (the role, in the home database) lands after the caller was answered, as a
    // slow server's would; the grants in the other database were rolled back. A new plan shows that.
    const replanned = await until(() => plan('commit'), (result) => !result.changes?.some((change) => change.sql.startsWith('CREATE ROLE')));
    const completed = await admin('POST', '/resources/pg/apply', { body: { sid: replanned.sid } });

    // Assess
    expect(answer.status).toBe(504);
    expect(ms).toBeLessThan(8_000);
    const message = 'the apply ran out of time while committing: it may or may not have been applied; plan again to see the state of the database';
    expect(answer.body).toEqual({ message });
    expect(session).toMatchObject({ status: 'unknown', output: { status: 'unknown', message } });
    // The plan is not given back: it may have been applied.
    expect(again).toMatchObject({ status: 409, body: { message: 'the plan has already been applied' } });
    expect(replanned).toMatchObject({ status: 'success', in_sync: false });
    expect(replanned.changes?.map((change) => change.sql)).toContain(`GRANT SELECT ON ALL TABLES IN SCHEMA "app" TO "${planned.role}"`);
    expect(completed).toMatchObject({ status: 200, body: { status: 'success' } });
    expect(await plan('commit')).toMatchObject({ in_sync: true });
  });

  it('answers 503 when DynamoDB stalls on a read, and changes nothing', async () => {
    // Prepare
    expect((await admin('POST', '/resources', { body: { name: 'kept', type: 'custom', env_vars: { A: '1' } } })).status).toBe(201);
    const before = await itemsOfOrg(org);
    await stallDynamoDb(org, STALL_MS);

    // Act: an update starts by reading the resource
    const { value: answer, ms } = await timed(() => admin('PUT', '/resources/kept', { body: { name: 'kept', type: 'custom', env_vars: { A: '2' } }, headers: SHORT }));

    // Assess
    expect(answer.status).toBe(503);
    expect(ms).toBeLessThan(8_000);
    expect(answer.headers.get('retry-after')).toBe('5');
    expect(await itemsOfOrg(org)).toEqual(before);
  });

  it('answers 504 when DynamoDB stalls on a write: the outcome is unknown, and the write may land later', async () => {
    // Prepare
    await stallDynamoDb(org, STALL_MS);

    // Act
    const { value: answer, ms } = await timed(() => admin('POST', '/resources', { body: { name: 'late', type: 'custom', env_vars: {} }, headers: SHORT }));
    const landed = await until(() => admin('GET', '/resources/late'), (found) => found.status === 200);
    const retried = await admin('POST', '/resources', { body: { name: 'late', type: 'custom', env_vars: {} } });

    // Assess: the answer said it could not tell; the resource appeared; a retry does not duplicate it
    expect(answer.status).toBe(504);
    expect(ms).toBeLessThan(8_000);
    expect((answer.body as { message: string }).message).toMatch(/outcome is unknown/);
    expect(landed.status).toBe(200);
    expect(retried.status).toBe(409);
  });
});

describe('idempotency keys on POST', () => {
  const org = newOrg('idem');
  let admin: Api;

  beforeAll(async () => {
    admin = await apiAs({ org, groups: ['admin'] });
  });

  const create = (key: string | undefined, name: string, envVars: Record<string, string> = {}) =>
    admin('POST', '/resources', { body: { name, type: 'custom', env_vars: envVars }, headers: key ? { 'idempotency-key': key } : {} });

  it('answers a repeat of a key and body with the first answer, without running again', async () => {
    // Act
    const first = await create('create-once', 'once');
    const repeat = await create('create-once', 'once');

    // Assess
    expect(first.status).toBe(201);
    expect(repeat).toMatchObject({ status: 201, body: first.body });
    const resources = (await itemsOfOrg(org)).filter((item) => String(item.sk).startsWith('RESOURCE#once'));
    expect(resources).toHaveLength(1);
  });

  it('refuses the same key with another body (422) and writes nothing', async () => {
    // Prepare
    expect((await create('reused', 'first')).status).toBe(201);
    const before = await itemsOfOrg(org);

    // Act
    const answer = await create('reused', 'second');

    // Assess
    expect(answer).toMatchObject({ status: 422, body: { message: expect.stringContaining('Idempotency-Key was used with another request') } });
    expect(await itemsOfOrg(org)).toEqual(before);
  });

  it('keeps keys apart per org and per operation, and runs a new key as a new request', async () => {
    // Prepare
    const other = await apiAs({ org: newOrg('idem-other'), groups: ['admin'] });
    expect((await create('shared', 'per-org')).status).toBe(201);

    // Act
    const otherOrg = await other('POST', '/resources', { body: { name: 'per-org', type: 'custom', env_vars: {} }, headers: { 'idempotency-key': 'shared' } });
    const newKey = await create('another', 'per-org');
    const role = await admin('POST', '/resources/per-org/roles', { body: { name: 'per-org-role', type: 'custom' }, headers: { 'idempotency-key': 'shared' } });

    // Assess
    expect(otherOrg.status).toBe(201);
    expect(newKey).toMatchObject({ status: 409, body: { message: 'resource name already exists' } });
    expect(role.status).toBe(201);
  });

  it('runs two concurrent requests with one key once', async () => {
    // Act
    const answers = await Promise.all([create('racing', 'raced'), create('racing', 'raced')]);

    // Assess: one ran; the other replayed its answer or was told it is still in progress
    expect(answers.map((answer) => answer.status).sort()).toEqual(expect.arrayContaining([201]));
    for (const answer of answers) expect([201, 409]).toContain(answer.status);
    const conflict = answers.find((answer) => answer.status === 409);
    if (conflict) expect((conflict.body as { message: string }).message).toMatch(/still in progress/);
    expect((await itemsOfOrg(org)).filter((item) => String(item.sk) === 'RESOURCE#raced')).toHaveLength(1);
  });

  it('refuses a malformed key with 400', async () => {
    // Act
    const spaced = await create('has space', 'bad-key-1');
    const long = await create('k'.repeat(256), 'bad-key-2');

    // Assess
    expect(spaced.status).toBe(400);
    expect(long.status).toBe(400);
    expect((await itemsOfOrg(org)).filter((item) => String(item.sk).startsWith('RESOURCE#bad-key'))).toHaveLength(0);
  });

  it('replays a plan and an apply instead of planning or applying twice', async () => {
    // Prepare
    const database = newDatabaseName('idem');
    await createDatabase(database, 'CREATE SCHEMA app; CREATE TABLE app.t (id int);');
    const secretArn = await newMasterSecret('idem');
    await admin('POST', '/resources', { body: { name: 'idem-pg', type: 'database', subtype: 'postgres', env_vars: { RDS_CLUSTER_ARN: inject('stack').cluster_arn, RDS_SECRET_ARN: secretArn } } });
    const body = { role: 'ro', privileges: ['SELECT'], scopes: [`${database}.app`] };

    // Act
    const planned = await admin('POST', '/resources/idem-pg/plan', { body, headers: { 'idempotency-key': 'plan-1' } });
    const replanned = await admin('POST', '/resources/idem-pg/plan', { body, headers: { 'idempotency-key': 'plan-1' } });
    const sid = (planned.body as PlanResult).sid;
    const applied = await admin('POST', '/resources/idem-pg/apply', { body: { sid }, headers: { 'idempotency-key': 'apply-1' } });
    const reapplied = await admin('POST', '/resources/idem-pg/apply', { body: { sid }, headers: { 'idempotency-key': 'apply-1' } });

    // Assess
    expect(replanned.body).toEqual(planned.body);
    expect(applied).toMatchObject({ status: 200, body: { status: 'success' } });
    expect(reapplied).toMatchObject({ status: 200, body: applied.body });
    const sessions = (await itemsOfOrg(org)).filter((item) => item.entity === 'session' && item.resource_name === 'idem-pg');
    expect(sessions.map((session) => session.kind).sort()).toEqual(['apply', 'plan']);
  });
});
