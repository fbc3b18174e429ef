import { beforeAll, describe, expect, it } from 'vitest';
import { apiAs, newOrg } from '../support/api';
import { type LocalCluster, newLocalCluster } from '../support/clusters';
import { createAppRole, createDatabase, loginAs, masterClient, masterMemberships, runAs, runAsSuperuser, tryQuery } from '../support/postgres';
import { type Api, revealSecret, startJob, waitForJob } from '../workflow/jobs';
import type { PlanResult } from '../../functions/http/schemas/provisioning';

const DB = 'shop';

/**
 * The master user as on Aurora: NOSUPERUSER CREATEDB CREATEROLE, a member of rds_superuser. The
 * application's objects belong to application roles, not to it. Plans, applies and jobs must still
 * grant on them, and leave the master no membership behind.
 */
describe('provisioning as Aurora\'s master user, on objects of application roles', () => {
  const org = newOrg('aurora');
  let admin: Api;
  let cluster: LocalCluster;
  let salesApp = '';

  const plan = async (body: Record<string, unknown>) => (await admin('POST', '/resources/shop/plan', { body })).body as PlanResult;
  const apply = async (sid: string) => admin('POST', '/resources/shop/apply', { body: { sid } });
  beforeAll(async () => {
    cluster = await newLocalCluster('aurora');
    // Two application roles, made by the master; objects of both in `shared`.
    salesApp = await createDatabase(
      DB,
      `CREATE SCHEMA sales;
       CREATE TABLE sales.orders (id serial PRIMARY KEY, total int);
       INSERT INTO sales.orders (total) VALUES (10);
       CREATE VIEW sales.big_orders AS SELECT * FROM sales.orders WHERE total > 5;
       CREATE SCHEMA shared;
       CREATE TABLE shared.rates (code text PRIMARY KEY, rate int);
       INSERT INTO shared.rates VALUES ('eur', 1);`,
      cluster,
    );
    await createAppRole('crm_app', [DB], cluster);
    await runAs(salesApp, DB, 'GRANT USAGE, CREATE ON SCHEMA shared TO crm_app', cluster);
    await runAs(
      'crm_app',
      DB,
      `CREATE SCHEMA crm;
       CREATE TABLE crm.contacts (id serial PRIMARY KEY, name text);
       INSERT INTO crm.contacts (name) VALUES ('Ada');
       CREATE SEQUENCE crm.tickets;
       CREATE TABLE shared.notes (id int);`,
      cluster,
    );
    admin = await apiAs({ org, groups: ['admin'] });
    const created = await admin('POST', '/resources', {
      body: { name: 'shop', type: 'database', subtype: 'postgres', env_vars: { RDS_CLUSTER_ARN: cluster.cluster_arn, RDS_SECRET_ARN: cluster.secret_arn, DEFAULT_DATABASE: DB } },
    });
    expect(created.status).toBe(201);
  });

  it('runs as a master that is not a superuser', async () => {
    // Act
    const master = await masterClient('postgres', cluster);
    const { rows } = await master.query(
      `SELECT rolsuper, rolcreatedb, rolcreaterole, pg_has_role(current_user, 'rds_superuser', 'MEMBER') AS rds_superuser,
              pg_has_role(current_user, 'crm_app', 'USAGE') AS uses_crm_app
       FROM pg_roles WHERE rolname = current_user`,
    );
    await master.end();

    // Assess
    expect(rows).toEqual([{ rolsuper: false, rolcreatedb: true, rolcreaterole: true, rds_superuser: true, uses_crm_app: false }]);
  });

  it('plans and applies a role on objects of two owners: it reads them all, and later tables of each owner', async () => {
    // Act
    const planned = await plan({ role: 'reader', privileges: ['SELECT'], scopes: [`${DB}.sales`, `${DB}.shared`, `${DB}.crm`] });
    const applied = await apply(planned.sid);
    await runAs(salesApp, DB, 'CREATE TABLE sales.later (id int); INSERT INTO sales.later VALUES (1);', cluster);
    await runAs('crm_app', DB, 'CREATE TABLE crm.later (id int); INSERT INTO crm.later VALUES (2);', cluster);

    // Assess: the master took each owner's rights inside the transaction and gave them back
    expect(planned.status).toBe('success');
    const statements = planned.changes?.map((change) => change.sql) ?? [];
    expect(statements).toContain('GRANT "crm_app" TO CURRENT_USER');
    expect(statements).toContain(`GRANT "${salesApp}" TO CURRENT_USER`);
    expect(statements).toContain(`ALTER DEFAULT PRIVILEGES FOR ROLE "crm_app" IN SCHEMA "shared" GRANT SELECT ON TABLES TO "${planned.role}"`);
    expect(statements.at(-1)).toMatch(/^REVOKE "(crm_app|shop_app)" FROM CURRENT_USER$/);
    expect(applied).toMatchObject({ status: 200, body: { status: 'success' } });
    expect(await masterMemberships(cluster)).toEqual([]);
    const secret = await revealSecret(admin, 'shop', planned.role);
    const session = await loginAs(planned.role, secret['envvar:PASS'] ?? '', DB, cluster);
    try {
      for (const query of ['SELECT * FROM sales.orders', 'SELECT * FROM sales.big_orders', 'SELECT * FROM shared.rates', 'SELECT * FROM shared.notes', 'SELECT * FROM crm.contacts']) {
        expect(await tryQuery(session, query), query).toMatchObject({ ok: true });
      }
      expect(await tryQuery(session, 'SELECT * FROM sales.later')).toMatchObject({ ok: true, rows: [{ id: 1 }] });
      expect(await tryQuery(session, 'SELECT * FROM crm.later')).toMatchObject({ ok: true, rows: [{ id: 2 }] });
      expect(await tryQuery(session, 'DELETE FROM sales.orders')).toMatchObject({ ok: false, code: '42501' });
    } finally {
      await session.end();
    }
    expect(await plan({ role: 'reader', privileges: ['SELECT'], scopes: [`${DB}.sales`, `${DB}.shared`, `${DB}.crm`] })).toMatchObject({ in_sync: true });
  });

  it('runs a DB role job on them: ro reads, rw writes through their sequences, ddl creates, and later tables are covered', async () => {
    // Act
    const job = await waitForJob(admin, await startJob(admin, { aws: { instance_arn: cluster.cluster_arn }, connection_prefix_name: 'shop-' }));
    await runAs('crm_app', DB, 'CREATE TABLE crm.after_job (id int); INSERT INTO crm.after_job VALUES (3);', cluster);

    // Assess
    expect(job.status.phase).toBe('completed');
    expect(await masterMemberships(cluster)).toEqual([]);
    const password = async (role: string) => (await revealSecret(admin, cluster.cluster_id, `${role}_${cluster.cluster_id}`))['envvar:PASS'] ?? '';
    const [ro, rw, ddl] = await Promise.all([
      loginAs('hoop_ro', await password('hoop_ro'), DB, cluster),
      loginAs('hoop_rw', await password('hoop_rw'), DB, cluster),
      loginAs('hoop_ddl', await password('hoop_ddl'), DB, cluster),
    ]);
    try {
      expect(await tryQuery(ro, 'SELECT * FROM sales.big_orders')).toMatchObject({ ok: true });
      expect(await tryQuery(ro, 'SELECT * FROM crm.after_job')).toMatchObject({ ok: true, rows: [{ id: 3 }] });
      expect(await tryQuery(ro, "INSERT INTO crm.contacts (name) VALUES ('Eve')")).toMatchObject({ ok: false, code: '42501' });
      expect(await tryQuery(rw, "INSERT INTO crm.contacts (name) VALUES ('Eve')")).toMatchObject({ ok: true });
      expect(await tryQuery(rw, "SELECT nextval('crm.tickets')")).toMatchObject({ ok: true });
      expect(await tryQuery(rw, 'INSERT INTO sales.orders (total) VALUES (3)')).toMatchObject({ ok: true });
      expect(await tryQuery(rw, 'CREATE TABLE sales.nope (id int)')).toMatchObject({ ok: false, code: '42501' });
      expect(await tryQuery(ddl, 'CREATE TABLE sales.made_by_ddl (id int)')).toMatchObject({ ok: true });
    } finally {
      await Promise.all([ro.end(), rw.end(), ddl.end()]);
    }
  });

  it('reports an owner the master cannot act for in the plan, with the statement that allows it, and runs nothing', async () => {
    // Prepare: a role made by the superuser (an administrator), not by the master: no ADMIN OPTION on it
    await runAsSuperuser(
      DB,
      `CREATE ROLE legacy_owner NOLOGIN;
       CREATE SCHEMA legacy AUTHORIZATION legacy_owner;
       SET ROLE legacy_owner;
       CREATE TABLE legacy.ledger (id int);`,
      cluster,
    );
    const hoopRo = async () => (await revealSecret(admin, cluster.cluster_id, `hoop_ro_${cluster.cluster_id}`))['envvar:PASS'] ?? '';
    const passwordBefore = await hoopRo();

    // Act
    const planned = await plan({ role: 'auditor', privileges: ['SELECT'], scopes: [`${DB}.legacy`] });
    const job = await waitForJob(admin, await startJob(admin, { aws: { instance_arn: cluster.cluster_arn }, connection_prefix_name: 'shop-' }));

    // Assess: the plan failed before anything ran, naming the owner, its objects and the fix
    const allow = 'GRANT "legacy_owner" TO "postgres" WITH ADMIN TRUE, INHERIT FALSE, SET FALSE';
    expect(planned).toMatchObject({ status: 'failed' });
    expect(planned.message).toContain('"legacy_owner"');
    expect(planned.message).toContain('schema "legacy"');
    expect(planned.message).toContain(`an administrator can allow it with: ${allow}`);
    const master = await masterClient('postgres', cluster);
    expect((await master.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [planned.role])).rowCount).toBe(0);
    await master.end();
    // A job fails each role with the same message, before touching anything (the passwords stand).
    expect(job.status.phase).toBe('failed');
    for (const result of job.status.result) expect(result.message).toContain(allow);
    expect(await hoopRo()).toBe(passwordBefore);
    const stillWorks = await loginAs('hoop_ro', passwordBefore, DB, cluster);
    await stillWorks.end();

    // Act again: the administrator runs the statement, and the same plan goes through
    await runAsSuperuser('postgres', allow, cluster);
    const allowed = await plan({ role: 'auditor', privileges: ['SELECT'], scopes: [`${DB}.legacy`] });
    const applied = await apply(allowed.sid);

    // Assess
    expect(allowed.status).toBe('success');
    expect(allowed.changes?.map((change) => change.sql)).toContain('GRANT "legacy_owner" TO CURRENT_USER');
    expect(applied).toMatchObject({ status: 200, body: { status: 'success' } });
    expect(await masterMemberships(cluster)).toEqual([]);
  });
});
