import { describe, expect, it } from 'vitest';
import { PlanService } from '../../../../functions/core/plans/use-cases';
import type { Principal } from '../../../../functions/core/principal';
import {
  clusterState,
  databaseState,
  MemoryCluster,
  memoryPlanWorld,
  PROVISIONED_ATTRIBUTES,
  resourceRecord,
  schemaState,
} from '../../../support/memory/plans';

const admin: Principal = { sub: 'u-1', email: 'admin@example.com', orgId: 'org-1', groups: ['admin'], admin: true, auditor: false };
const readOnly = { role: 'ro', type: 'managed' as const, privileges: ['SELECT' as const], scopes: ['app'], rotate_password: false };

/** A cluster with databases `postgres` (home) and `app`, `app` having a schema `public` the role holds nothing in. */
const freshCluster = () => new MemoryCluster({ cluster: clusterState(['app', 'postgres']), databases: [databaseState('postgres', []), databaseState('app', [schemaState('public')])] });

/** The same cluster where the role already holds exactly what `readOnly` asks for. */
const inSyncCluster = () =>
  new MemoryCluster({
    cluster: clusterState(['app', 'postgres'], { exists: true, attributes: PROVISIONED_ATTRIBUTES, databases: [{ name: 'app', connect: true }, { name: 'postgres', connect: false }] }),
    databases: [
      databaseState('postgres', []),
      databaseState('app', [schemaState('public', { usage: true, table_privileges: { SELECT: 3 }, default_privileges: [{ owner: 'postgres', tables: ['SELECT'], routines: [] }] })]),
    ],
  });

describe('plan', () => {
  it('answers the statements that give a new role what it asks for: the role in the home database first', async () => {
    // Prepare
    const world = memoryPlanWorld(freshCluster(), resourceRecord('pg'));
    const service = new PlanService(world.dependencies);

    // Act
    const planned = await service.plan(admin, 'pg', readOnly);

    // Assess
    const role = `"${planned.role}"`;
    expect(planned).toMatchObject({ status: 'success', in_sync: false, expires_at: '2030-01-01T00:15:00.000Z' });
    expect(planned.changes).toEqual([
      { database: 'postgres', sql: `CREATE ROLE ${role} WITH LOGIN INHERIT PASSWORD '<generated password>'` },
      { database: 'app', sql: `GRANT CONNECT ON DATABASE "app" TO ${role}` },
      { database: 'app', sql: `GRANT USAGE ON SCHEMA "public" TO ${role}` },
      { database: 'app', sql: `GRANT SELECT ON ALL TABLES IN SCHEMA "public" TO ${role}` },
      { database: 'app', sql: `ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" GRANT SELECT ON TABLES TO ${role}` },
    ]);
    expect(planned.current_state).toMatchObject({ exists: false, connect: [] });
  });

  it('answers an empty plan when the role already has exactly what it asks for', async () => {
    // Prepare
    const world = memoryPlanWorld(inSyncCluster(), resourceRecord('pg'));
    const service = new PlanService(world.dependencies);

    // Act
    const planned = await service.plan(admin, 'pg', readOnly);

    // Assess
    expect(planned).toMatchObject({ status: 'success', in_sync: true, changes: [] });
  });

  it('takes back what is no longer asked for', async () => {
    // Prepare: the role also holds INSERT, which the request no longer asks for
    const cluster = inSyncCluster();
    const app = cluster.state.databases[1];
    if (app?.schemas[0]) app.schemas[0].table_privileges = { SELECT: 3, INSERT: 3 };
    const service = new PlanService(memoryPlanWorld(cluster, resourceRecord('pg')).dependencies);

    // Act
    const planned = await service.plan(admin, 'pg', readOnly);

    // Assess
    expect(planned.changes).toEqual([{ database: 'app', sql: `REVOKE INSERT ON ALL TABLES IN SCHEMA "public" FROM "${planned.role}"` }]);
  });

  it('records the plan and its session together, with the request and the result', async () => {
    // Prepare
    const world = memoryPlanWorld(freshCluster(), resourceRecord('pg'));
    const service = new PlanService(world.dependencies);

    // Act
    const planned = await service.plan(admin, 'pg', readOnly);

    // Assess
    expect(world.sessions.of('org-1')).toEqual([
      {
        id: planned.sid,
        kind: 'plan',
        resource_name: 'pg',
        role: planned.role,
        status: 'success',
        input: readOnly,
        output: planned,
        user: { sub: 'u-1', email: 'admin@example.com' },
        created_at: '2030-01-01T00:00:00.000Z',
        ended_at: '2030-01-01T00:00:00.000Z',
      },
    ]);
    expect((await world.plans.get('org-1', planned.sid))?.details).toMatchObject({ checksum: planned.checksum, statements: planned.changes, sets_password: true });
  });

  it('answers status failed, and keeps nothing to apply, when a scope does not exist', async () => {
    // Prepare
    const world = memoryPlanWorld(freshCluster(), resourceRecord('pg'));
    const service = new PlanService(world.dependencies);

    // Act
    const planned = await service.plan(admin, 'pg', { ...readOnly, scopes: ['app.missing'] });

    // Assess
    expect(planned).toMatchObject({ status: 'failed', message: 'scope "app.missing" does not exist: no such schema' });
    expect(planned.changes).toBeUndefined();
    expect(world.sessions.of('org-1')).toMatchObject([{ id: planned.sid, kind: 'plan', status: 'failed' }]);
    expect(world.plans.items.size).toBe(0);
  });

  it.each([
    ['a resource that does not exist', 'nope', 'resource not found'],
    ['a resource that is not postgres', 'mysql', 'plan and apply are PostgreSQL-only: resource subtype "mysql" cannot be planned (DB role jobs do provision Aurora MySQL)'],
    ['a resource without its secret', 'no-secret', 'resource is missing required env vars: RDS_SECRET_ARN'],
  ])('refuses %s, and records nothing', async (_, name, message) => {
    // Prepare
    const world = memoryPlanWorld(
      freshCluster(),
      resourceRecord('mysql', { subtype: 'mysql' }),
      resourceRecord('no-secret', { env: { RDS_CLUSTER_ARN: 'arn:aws:rds:eu-west-1:1:cluster:c' } }),
    );
    const service = new PlanService(world.dependencies);

    // Act
    const planning = service.plan(admin, name, readOnly);

    // Assess
    await expect(planning).rejects.toThrow(message);
    expect(world.sessions.of('org-1')).toEqual([]);
  });
});
