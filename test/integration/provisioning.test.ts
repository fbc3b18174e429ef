import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiAs, itemsOfOrg, newOrg } from '../support/api';
import { allHandlerLogs, handlerLogsOfOrg } from '../support/logs';
import { createAppRole, createDatabase, dataApiCalls, loginAs, masterClient, masterMemberships, newDatabaseName, newMasterSecret, runAs, tryQuery } from '../support/postgres';
import type { ApplyResult, PlanResult } from '../../functions/http/schemas/provisioning';

type Api = Awaited<ReturnType<typeof apiAs>>;

const db = newDatabaseName('prov');
const other = newDatabaseName('prov_other');
const owner = `${db}_owner`;
const AWKWARD = 'x"; DROP ROLE postgres; --';

describe('plan and apply of a managed role', () => {
  const org = newOrg('prov');
  let admin: Api;
  const resource = 'orders-db';
  const passwords: string[] = [];
  let secretArn = '';
  let appOwner = '';

  const plan = async (body: Record<string, unknown>, name = resource) => (await admin('POST', `/resources/${name}/plan`, { body })).body as PlanResult;
  const apply = async (sid: string, name = resource) => admin('POST', `/resources/${name}/apply`, { body: { sid } });
  const credentials = async (role: string) => {
    const answer = await admin('GET', `/resources/${resource}/roles/${role}/credentials`);
    const secret = (answer.body as { secret: Record<string, string> }).secret;
    passwords.push(secret['envvar:PASS'] ?? '');
    return { user: secret['envvar:USER'] ?? '', password: secret['envvar:PASS'] ?? '' };
  };

  beforeAll(async () => {
    // As on Aurora: the master makes the database and the application roles; the application's
    // objects belong to those roles, in two schemas to a second one.
    appOwner = await createDatabase(
      db,
      `CREATE SCHEMA app;
       CREATE TABLE app.customers (id serial PRIMARY KEY, name text);
       INSERT INTO app.customers (name) VALUES ('Ada');
       CREATE TABLE app.events (id int, at date) PARTITION BY RANGE (at);
       CREATE TABLE app.events_2026 PARTITION OF app.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
       CREATE VIEW app.customer_names AS SELECT name FROM app.customers;
       CREATE MATERIALIZED VIEW app.customer_count AS SELECT count(*) FROM app.customers;
       CREATE FUNCTION app.answer() RETURNS int LANGUAGE sql AS 'SELECT 42';
       CREATE SCHEMA "Mixed Case";
       CREATE TABLE "Mixed Case"."Orders" (id int);
       CREATE SCHEMA empty;
       CREATE SCHEMA "${AWKWARD.replaceAll('"', '""')}";
       CREATE TABLE "${AWKWARD.replaceAll('"', '""')}".t (id int);`,
    );
    await createAppRole(owner, [db]);
    await runAs(owner, db, 'CREATE SCHEMA owned; CREATE TABLE owned.t (id int);');
    await createDatabase(other, 'CREATE TABLE public.secrets (id int);');
    admin = await apiAs({ org, groups: ['admin'], sub: 'alice' });
    const stack = inject('stack');
    secretArn = await newMasterSecret('prov');
    const created = await admin('POST', '/resources', {
      body: { name: resource, type: 'database', subtype: 'postgres', env_vars: { RDS_CLUSTER_ARN: stack.cluster_arn, RDS_SECRET_ARN: secretArn } },
    });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    // Nothing written anywhere holds a password: sessions, plans, resources (secrets are base64 there).
    const items = JSON.stringify(await itemsOfOrg(org));
    // Nor does any log line of the handlers (every level, incoming events included, any test file's).
    const logs = allHandlerLogs();
    const ours = JSON.stringify(handlerLogsOfOrg(org));
    expect(passwords.filter(Boolean).length).toBeGreaterThan(3);
    expect(ours).toContain("PASSWORD '[redacted]'");
    expect(logs).not.toContain('SCRAM-SHA-256$');
    for (const password of passwords.filter(Boolean)) {
      expect(items).not.toContain(password);
      expect(logs).not.toContain(password);
    }
  });

  it('plans a new role with the exact statements, then applies it so that the role can read and not write', async () => {
    // Act
    const callsBefore = await dataApiCalls(secretArn);
    const planned = await plan({ role: 'ro', privileges: ['select'], scopes: [`${db}.app`, `${db}."Mixed Case"`, `${db}.empty`, `${db}.owned`] });
    const callsForPlan = (await dataApiCalls(secretArn)) - callsBefore;

    // Assess the plan
    expect(planned).toMatchObject({ status: 'success', message: '', in_sync: false, role: expect.stringMatching(/^hoopdev_orders_db_ro_[0-9a-f]{8}$/) });
    expect(callsForPlan).toBe(2);
    const statements = planned.changes?.map((change) => change.sql) ?? [];
    expect(statements[0]).toBe(`CREATE ROLE "${planned.role}" WITH LOGIN INHERIT PASSWORD '<generated password>'`);
    expect(statements).toContain(`GRANT CONNECT ON DATABASE "${db}" TO "${planned.role}"`);
    expect(statements).toContain(`GRANT SELECT ON ALL TABLES IN SCHEMA "Mixed Case" TO "${planned.role}"`);
    expect(statements).toContain(`ALTER DEFAULT PRIVILEGES FOR ROLE "${owner}" IN SCHEMA "owned" GRANT SELECT ON TABLES TO "${planned.role}"`);
    // The master is not a superuser: it takes the owners' rights for the transaction and gives them back.
    const inDb = planned.changes?.filter((change) => change.database === db).map((change) => change.sql) ?? [];
    expect(inDb.slice(0, 2)).toEqual([`GRANT "${appOwner}" TO CURRENT_USER`, `GRANT "${owner}" TO CURRENT_USER`]);
    expect(inDb.slice(-2)).toEqual([`REVOKE "${appOwner}" FROM CURRENT_USER`, `REVOKE "${owner}" FROM CURRENT_USER`]);
    expect(planned.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(planned.expires_at ?? '')).toBeGreaterThan(Date.now() + 50 * 60_000);

    // Act: apply
    const applied = await apply(planned.sid);

    // Assess: log in as the role and try
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ plan_sid: planned.sid, status: 'success' });
    const login = await credentials(planned.role);
    expect(login.user).toBe(planned.role);
    expect(login.password.length).toBeGreaterThanOrEqual(32);
    expect(login.password).not.toMatch(/['"\\:/@\s]/);
    expect(await masterMemberships()).toEqual([]);
    const session = await loginAs(planned.role, login.password, db);
    try {
      expect(await tryQuery(session, 'SELECT name FROM app.customers')).toMatchObject({ ok: true, rows: [{ name: 'Ada' }] });
      expect(await tryQuery(session, 'SELECT * FROM app.events')).toMatchObject({ ok: true });
      expect(await tryQuery(session, 'SELECT * FROM app.customer_names')).toMatchObject({ ok: true });
      expect(await tryQuery(session, 'SELECT * FROM app.customer_count')).toMatchObject({ ok: true });
      expect(await tryQuery(session, 'SELECT * FROM "Mixed Case"."Orders"')).toMatchObject({ ok: true });
      expect(await tryQuery(session, 'SELECT * FROM owned.t')).toMatchObject({ ok: true });
      expect(await tryQuery(session, "INSERT INTO app.customers (name) VALUES ('Eve')")).toMatchObject({ ok: false, code: '42501' });
      expect(await tryQuery(session, 'CREATE TABLE app.nope (id int)')).toMatchObject({ ok: false, code: '42501' });
      expect(await tryQuery(session, `SELECT * FROM "${AWKWARD.replaceAll('"', '""')}".t`)).toMatchObject({ ok: false, code: '42501' });
    } finally {
      await session.end();
    }
    // Another database: PUBLIC may connect by default, but the role reads nothing there.
    const elsewhere = await loginAs(planned.role, login.password, other);
    expect(await tryQuery(elsewhere, 'SELECT * FROM public.secrets')).toMatchObject({ ok: false, code: '42501' });
    await elsewhere.end();
  });

  it('is in sync right after the apply, and covers tables created afterwards by the owners', async () => {
    // Prepare
    const role = (await plan({ role: 'ro', privileges: ['SELECT'], scopes: [`${db}.app`, `${db}."Mixed Case"`, `${db}.empty`, `${db}.owned`] })).role;
    await runAs(appOwner, db, 'CREATE TABLE app.later (id int); INSERT INTO app.later VALUES (1); CREATE TABLE empty.first (id int);');
    await runAs(owner, db, 'CREATE TABLE owned.later (id int);');

    // Act
    const again = await plan({ role: 'ro', privileges: ['SELECT'], scopes: [`${db}.app`, `${db}."Mixed Case"`, `${db}.empty`, `${db}.owned`] });

    // Assess
    expect(again).toMatchObject({ status: 'success', in_sync: true, changes: [], role });
    const login = await credentials(role);
    const session = await loginAs(role, login.password, db);
    try {
      expect(await tryQuery(session, 'SELECT * FROM app.later')).toMatchObject({ ok: true, rows: [{ id: 1 }] });
      expect(await tryQuery(session, 'SELECT * FROM empty.first')).toMatchObject({ ok: true });
      expect(await tryQuery(session, 'SELECT * FROM owned.later')).toMatchObject({ ok: true });
    } finally {
      await session.end();
    }
  });

  it('takes back what is no longer asked for, and reports an extra grant as an exception', async () => {
    // Prepare: someone grants the role more by hand
    const role = (await plan({ role: 'ro', privileges: ['SELECT'], scopes: [`${db}.app`] })).role;
    await runAs(appOwner, db, `GRANT INSERT ON app.customers TO "${role}"`);

    // Act: now only app is asked for
    const narrowed = await plan({ role: 'ro', privileges: ['SELECT'], scopes: [`${db}.app`] });
    const applied = await apply(narrowed.sid);
    const after = await plan({ role: 'ro', privileges: ['SELECT'], scopes: [`${db}.app`] });

    // Assess
    const statements = narrowed.changes?.map((change) => change.sql) ?? [];
    expect(statements).toContain(`REVOKE INSERT ON ALL TABLES IN SCHEMA "app" FROM "${role}"`);
    expect(statements).toContain(`REVOKE SELECT ON ALL TABLES IN SCHEMA "Mixed Case" FROM "${role}"`);
    expect(statements).toContain(`REVOKE USAGE ON SCHEMA "owned" FROM "${role}"`);
    const scopes = narrowed.current_state?.scopes as Record<string, { exceptions: { table: string }[] }>;
    expect(scopes[`${db}.app`]?.exceptions).toEqual([{ table: 'customers', privileges: ['INSERT', 'SELECT'] }]);
    expect(applied.body).toMatchObject({ status: 'success' });
    expect(after).toMatchObject({ in_sync: true });
  });

  it('refuses to apply a plan twice, a plan of another resource, and a plan the database drifted from', async () => {
    // Prepare
    await admin('POST', '/resources', { body: { name: 'elsewhere', type: 'database', subtype: 'postgres', env_vars: { RDS_CLUSTER_ARN: inject('stack').cluster_arn, RDS_SECRET_ARN: secretArn } } });
    const planned = await plan({ role: 'drift', privileges: ['SELECT', 'INSERT'], scopes: [`${db}.app`] });
    const master = await masterClient();
    await master.query(`CREATE ROLE "${planned.role}" LOGIN`);
    await master.end();

    // Act
    const wrongResource = await apply(planned.sid, 'elsewhere');
    const drifted = await apply(planned.sid);
    const fresh = await plan({ role: 'drift', privileges: ['SELECT', 'INSERT'], scopes: [`${db}.app`] });
    const first = await apply(fresh.sid);
    const second = await apply(fresh.sid);
    const unknown = await apply('0195a8c2-7f3e-7000-8000-000000000000');

    // Assess
    expect(wrongResource.status).toBe(404);
    expect(drifted).toMatchObject({ status: 409, body: { message: expect.stringContaining('plan again') } });
    expect(fresh.changes?.[0]?.sql).not.toContain('CREATE ROLE');
    expect(first.body).toMatchObject({ status: 'success' });
    expect(second).toMatchObject({ status: 409, body: { message: 'the plan has already been applied' } });
    expect(unknown.status).toBe(404);
  });

  it('rotates the password: the old one stops working, the new one works', async () => {
    // Prepare
    const role = (await plan({ role: 'ro', privileges: ['SELECT'], scopes: [`${db}.app`] })).role;
    const before = await credentials(role);

    // Act
    const rotated = await plan({ role: 'ro', privileges: ['SELECT'], scopes: [`${db}.app`], rotate_password: true });
    const applied = await apply(rotated.sid);
    const after = await credentials(role);

    // Assess
    expect(rotated.changes?.map((change) => change.sql)).toEqual([`ALTER ROLE "${role}" WITH PASSWORD '<generated password>'`]);
    expect(applied.body).toMatchObject({ status: 'success' });
    expect(after.password).not.toBe(before.password);
    await expect(loginAs(role, before.password, db)).rejects.toThrow(/password authentication failed/);
    const session = await loginAs(role, after.password, db);
    await session.end();
  });

  it('gives an external role the membership of its source role only', async () => {
    // Prepare
    const master = await masterClient();
    await master.query(`CREATE ROLE "${db}_readers" NOLOGIN; GRANT CONNECT ON DATABASE "${db}" TO "${db}_readers"`);
    await master.end();
    await runAs(appOwner, db, `GRANT USAGE ON SCHEMA app TO "${db}_readers"; GRANT SELECT ON app.customers TO "${db}_readers"`);

    // Act
    const planned = await plan({ role: 'analyst', type: 'external', source_role: `${db}_readers` });
    const applied = await apply(planned.sid);
    const again = await plan({ role: 'analyst', type: 'external', source_role: `${db}_readers` });

    // Assess
    expect(planned.changes?.map((change) => change.sql)).toEqual([
      `CREATE ROLE "${planned.role}" WITH LOGIN INHERIT PASSWORD '<generated password>'`,
      `GRANT "${db}_readers" TO "${planned.role}"`,
    ]);
    expect(applied.body).toMatchObject({ status: 'success' });
    expect(again).toMatchObject({ in_sync: true });
    const login = await credentials(planned.role);
    const session = await loginAs(planned.role, login.password, db);
    try {
      expect(await tryQuery(session, 'SELECT name FROM app.customers')).toMatchObject({ ok: true });
      expect(await tryQuery(session, 'SELECT * FROM app.events')).toMatchObject({ ok: false, code: '42501' });
    } finally {
      await session.end();
    }
  });

  it('grants on a schema really named like an injection, and nothing else happens', async () => {
    // Act
    const planned = await plan({ role: 'odd', privileges: ['SELECT'], scopes: [`${db}."${AWKWARD.replaceAll('"', '""')}"`] });
    const applied = await apply(planned.sid);

    // Assess
    expect(planned.status).toBe('success');
    expect(applied.body).toMatchObject({ status: 'success' });
    const master = await masterClient();
    expect((await master.query(`SELECT 1 FROM pg_roles WHERE rolname = 'postgres'`)).rowCount).toBe(1);
    await master.end();
    const login = await credentials(planned.role);
    const session = await loginAs(planned.role, login.password, db);
    try {
      expect(await tryQuery(session, `SELECT * FROM "${AWKWARD.replaceAll('"', '""')}".t`)).toMatchObject({ ok: true });
    } finally {
      await session.end();
    }
  });

  it('records every plan and apply as a session that admins and auditors can read', async () => {
    // Prepare
    const planned = await plan({ role: 'audited', privileges: ['SELECT'], scopes: [`${db}.app`] });
    const applied = (await apply(planned.sid)).body as ApplyResult;
    const auditor = await apiAs({ org, groups: ['auditor'] });
    const standard = await apiAs({ org, groups: ['dev'] });

    // Act
    const planSession = await auditor('GET', `/sessions/${planned.sid}`);
    const applySession = await auditor('GET', `/sessions/${applied.sid}`);
    const listed = await auditor('GET', `/sessions?resource_name=${resource}&kind=apply&page_size=2`);
    const forbidden = await standard('GET', `/sessions/${planned.sid}`);
    const otherOrg = await (await apiAs({ org: newOrg(), groups: ['admin'] }))('GET', `/sessions/${planned.sid}`);

    // Assess
    expect(planSession.body).toMatchObject({ id: planned.sid, kind: 'plan', resource_name: resource, role: planned.role, user: { sub: 'alice' }, status: 'success', input: { role: 'audited' }, output: { checksum: planned.checksum } });
    expect(applySession.body).toMatchObject({ id: applied.sid, kind: 'apply', plan_sid: planned.sid, status: 'success' });
    const items = (listed.body as { items: { id: string; kind: string }[]; next_token: string | null }).items;
    expect(items[0]?.id).toBe(applied.sid);
    expect(items.every((item) => item.kind === 'apply')).toBe(true);
    expect((listed.body as { next_token: string | null }).next_token).not.toBeNull();
    expect(forbidden.status).toBe(403);
    expect(otherOrg.status).toBe(404);
  });
});
