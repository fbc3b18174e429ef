import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../../../functions/core/errors';
import type { PlanRequest } from '../../../../functions/core/plans/model';
import { PlanService } from '../../../../functions/core/plans/use-cases';
import { scramSha256Verifier } from '../../../../functions/core/postgres/password';
import { SqlExecutionError } from '../../../../functions/core/postgres/sql-port';
import type { Principal } from '../../../../functions/core/principal';
import { clusterState, databaseState, MemoryCluster, memoryPlanWorld, PROVISIONED_ATTRIBUTES, resourceRecord, schemaState } from '../../../support/memory/plans';

const admin: Principal = { sub: 'u-1', email: undefined, orgId: 'org-1', groups: ['admin'], admin: true, auditor: false };
const request = (scopes: string[]): PlanRequest => ({ role: 'ro', type: 'managed', privileges: ['SELECT'], scopes, rotate_password: false });

/** Databases `main` (home), `analytics` and `sales`, each with a schema `public` the role does not reach yet. */
function threeDatabases() {
  const names = ['analytics', 'main', 'sales'];
  return new MemoryCluster({ cluster: clusterState(names), databases: names.map((name) => databaseState(name, [schemaState('public')])) });
}

/** A service over memory, and a plan made with it. */
async function planned(cluster: MemoryCluster, scopes = ['sales', 'analytics']) {
  const world = memoryPlanWorld(cluster, resourceRecord('pg', { home: 'main' }), resourceRecord('other', { home: 'main' }));
  const service = new PlanService(world.dependencies);
  const plan = await service.plan(admin, 'pg', request(scopes));
  return { ...world, service, plan };
}

describe('apply', () => {
  it('runs the planned statements in their order, home database first, one transaction per database locked in name order', async () => {
    // Prepare
    const cluster = threeDatabases();
    const { service, plan } = await planned(cluster);

    // Act
    const applied = await service.apply(admin, 'pg', plan.sid);

    // Assess
    expect(applied).toMatchObject({ plan_sid: plan.sid, status: 'success', message: '9 statements applied' });
    const placeholder = "'<generated password>'";
    expect(cluster.committed().map(({ database, sql }) => ({ database, sql: sql.replace(/'SCRAM-SHA-256\$[^']+'/, placeholder) }))).toEqual(plan.changes);
    expect(cluster.events.filter((entry) => entry.event !== 'run')).toEqual([
      { event: 'begin', database: 'analytics' },
      { event: 'begin', database: 'main' },
      { event: 'begin', database: 'sales' },
      { event: 'lock', database: 'analytics' },
      { event: 'lock', database: 'main' },
      { event: 'lock', database: 'sales' },
      { event: 'commit', database: 'main' },
      { event: 'commit', database: 'analytics' },
      { event: 'commit', database: 'sales' },
    ]);
  });

  it('sets the password it stored, as a SCRAM verifier: the plaintext reaches neither the database nor the session', async () => {
    // Prepare
    const cluster = threeDatabases();
    const { service, plan, stored, sessions } = await planned(cluster);

    // Act
    await service.apply(admin, 'pg', plan.sid);

    // Assess
    expect(stored).toMatchObject([{ orgId: 'org-1', resource: 'pg', roleName: plan.role, database: 'analytics' }]);
    const password = stored[0]?.password ?? '';
    const createRole = cluster.committed()[0]?.sql ?? '';
    const [, iterations, salt] = /'SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(createRole) ?? [];
    const verifier = scramSha256Verifier(password, { salt: Buffer.from(salt ?? '', 'base64'), iterations: Number(iterations) });
    expect(createRole).toBe(`CREATE ROLE "${plan.role}" WITH LOGIN INHERIT PASSWORD '${verifier}'`);
    expect(JSON.stringify([cluster.events, sessions.of('org-1')])).not.toContain(password);
  });

  it('records the apply as a session of the caller', async () => {
    // Prepare
    const { service, plan, sessions, clock } = await planned(threeDatabases());
    clock.now = new Date('2030-01-01T00:05:00.000Z');

    // Act
    const applied = await service.apply(admin, 'pg', plan.sid);

    // Assess
    expect(sessions.of('org-1')[1]).toEqual({
      id: applied.sid,
      kind: 'apply',
      resource_name: 'pg',
      role: plan.role,
      status: 'success',
      input: { sid: plan.sid, resource_name: 'pg' },
      output: { status: 'success', message: '9 statements applied' },
      user: { sub: 'u-1', email: null },
      created_at: '2030-01-01T00:05:00.000Z',
      ended_at: '2030-01-01T00:05:00.000Z',
      plan_sid: plan.sid,
    });
  });

  it('skips a plan that was in sync, without opening a transaction', async () => {
    // Prepare
    const cluster = new MemoryCluster({
      cluster: clusterState(['main'], { exists: true, attributes: PROVISIONED_ATTRIBUTES, databases: [{ name: 'main', connect: true }] }),
      databases: [databaseState('main', [schemaState('public', { usage: true, table_privileges: { SELECT: 3 }, default_privileges: [{ owner: 'postgres', tables: ['SELECT'], routines: [] }] })])],
    });
    const { service, plan } = await planned(cluster, ['main']);

    // Act
    const applied = await service.apply(admin, 'pg', plan.sid);

    // Assess
    expect(plan.in_sync).toBe(true);
    expect(applied).toMatchObject({ status: 'skipped', message: 'the plan was in sync: nothing to do' });
    expect(cluster.events).toEqual([]);
  });

  it('refuses a plan applied twice: the second apply runs nothing', async () => {
    // Prepare
    const cluster = threeDatabases();
    const { service, plan, sessions } = await planned(cluster);
    await service.apply(admin, 'pg', plan.sid);
    const events = cluster.events.length;

    // Act
    const again = service.apply(admin, 'pg', plan.sid);

    // Assess
    await expect(again).rejects.toThrow(new ConflictError('the plan has already been applied'));
    expect(cluster.events.length).toBe(events);
    expect(sessions.of('org-1').map((session) => session.kind)).toEqual(['plan', 'apply']);
  });

  it('refuses an expired plan and runs nothing', async () => {
    // Prepare
    const cluster = threeDatabases();
    const { service, plan, clock } = await planned(cluster);
    clock.now = new Date(Date.parse(plan.expires_at ?? '') + 1);

    // Act
    const applying = service.apply(admin, 'pg', plan.sid);

    // Assess
    await expect(applying).rejects.toThrow(new ConflictError('the plan has expired: plan again'));
    expect(cluster.events).toEqual([]);
  });

  it.each([
    ['a plan that failed', 'pg', 'failed', new ConflictError('the plan failed: there is nothing to apply')],
    ['a plan of another resource', 'other', 'made', new NotFoundError('plan not found')],
  ])('refuses %s and runs nothing', async (_, resource, which, refusal) => {
    // Prepare
    const cluster = threeDatabases();
    const { service, plan } = await planned(cluster);
    const failed = await service.plan(admin, 'pg', request(['nowhere']));

    // Act
    const applying = service.apply(admin, resource, which === 'failed' ? failed.sid : plan.sid);

    // Assess
    await expect(applying).rejects.toThrow(refusal);
    expect(cluster.events).toEqual([]);
  });

  it.each([
    ['its privileges changed', 'the database changed since the plan: the statements would differ; plan again', (cluster: MemoryCluster) => {
      const sales = cluster.state.databases.find((database) => database.database === 'sales');
      if (sales?.schemas[0]) sales.schemas[0].usage = true;
    }],
    ['a planned schema is gone', 'the database changed since the plan (scope "sales.public" does not exist: no such schema): plan again', (cluster: MemoryCluster) => {
      const sales = cluster.state.databases.find((database) => database.database === 'sales');
      if (sales) sales.schemas = [];
    }],
  ])('refuses to apply when %s since the plan: nothing runs, and the plan is given back', async (_, message, drift) => {
    // Prepare
    const cluster = threeDatabases();
    const { service, plan, stored, sessions, plans } = await planned(cluster);
    drift(cluster);

    // Act
    const applying = service.apply(admin, 'pg', plan.sid);

    // Assess
    await expect(applying).rejects.toThrow(new ConflictError(message));
    expect(cluster.events.filter((entry) => entry.event === 'run' || entry.event === 'commit')).toEqual([]);
    expect(cluster.events.filter((entry) => entry.event === 'rollback').map((entry) => entry.database)).toEqual(['analytics', 'main', 'sales']);
    expect(stored).toEqual([]);
    expect(sessions.of('org-1')[1]).toMatchObject({ kind: 'apply', status: 'failed', output: { status: 'failed', message } });
    expect((await plans.get('org-1', plan.sid))?.details).toBeDefined();
    expect(plans.items.get(`org-1/${plan.sid}`)?.applied_by).toBeUndefined();
  });

  it('reports a statement the database refuses as failed: what was committed stays, the rest is rolled back, and the plan is spent', async () => {
    // Prepare
    const cluster = threeDatabases();
    const { service, plan } = await planned(cluster);
    // A statement of `analytics`, after `main` committed; `sales` runs at the same time and succeeds.
    cluster.refuse = (sql) => (sql.includes('"analytics"') ? new SqlExecutionError('permission denied for database analytics', '42501', false) : undefined);

    // Act
    const applied = await service.apply(admin, 'pg', plan.sid);

    // Assess
    expect(applied).toMatchObject({ status: 'failed', message: 'permission denied for database analytics' });
    expect([...new Set(cluster.committed().map((statement) => statement.database))]).toEqual(['main', 'sales']);
    expect(cluster.events.filter((entry) => entry.event === 'rollback').map((entry) => entry.database)).toEqual(['analytics']);
    await expect(service.apply(admin, 'pg', plan.sid)).rejects.toThrow(new ConflictError('the plan has already been applied'));
  });

  it('runs nothing when the new credentials cannot be stored, and the plan can be applied again', async () => {
    // Prepare
    const cluster = threeDatabases();
    const world = await planned(cluster);
    const failing = new PlanService({ ...world.dependencies, storeCredentials: async () => Promise.reject(new Error('table unavailable')) });

    // Act
    const applied = await failing.apply(admin, 'pg', world.plan.sid);

    // Assess
    expect(applied).toMatchObject({ status: 'failed', message: 'the new credentials could not be stored, so nothing was changed; try again' });
    expect(cluster.committed()).toEqual([]);
    expect(await world.service.apply(admin, 'pg', world.plan.sid)).toMatchObject({ status: 'success' });
  });
});
