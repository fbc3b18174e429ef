import { describe, expect, it } from 'vitest';
import type { BatchPlanItem } from '../../../../functions/core/plans/model';
import { PlanService } from '../../../../functions/core/plans/use-cases';
import type { Principal } from '../../../../functions/core/principal';
import { clusterState, databaseState, MemoryCluster, memoryPlanWorld, resourceRecord, schemaState } from '../../../support/memory/plans';

const admin: Principal = { sub: 'u-1', email: undefined, orgId: 'org-1', groups: ['admin'], admin: true, auditor: false };
const item = (resource_name: string, role: string, scopes = ['app']): BatchPlanItem => ({ resource_name, role, type: 'managed', privileges: ['SELECT'], scopes, rotate_password: false });

function world() {
  const cluster = new MemoryCluster({ cluster: clusterState(['app', 'postgres']), databases: [databaseState('postgres', []), databaseState('app', [schemaState('public')])] });
  const memory = memoryPlanWorld(cluster, resourceRecord('pg'), resourceRecord('mysql', { subtype: 'mysql' }));
  return { ...memory, cluster, service: new PlanService(memory.dependencies) };
}

describe('batch plan and apply', () => {
  it('answers one plan result per item, in item order, an item that cannot be planned as failed', async () => {
    // Prepare
    const { service } = world();

    // Act
    const results = await service.planBatch(admin, [item('pg', 'ro'), item('nope', 'x'), item('mysql', 'y'), item('pg', 'rw', ['app.missing'])]);

    // Assess
    expect(results.map(({ resource_name, role, status, message }) => ({ resource_name, role: role.split('_').at(-2) ?? role, status, message }))).toEqual([
      { resource_name: 'pg', role: 'ro', status: 'success', message: '' },
      { resource_name: 'nope', role: 'x', status: 'failed', message: 'resource not found' },
      { resource_name: 'mysql', role: 'y', status: 'failed', message: 'plan and apply are PostgreSQL-only: resource subtype "mysql" cannot be planned (DB role jobs do provision Aurora MySQL)' },
      { resource_name: 'pg', role: 'rw', status: 'failed', message: 'scope "app.missing" does not exist: no such schema' },
    ]);
    expect(new Set(results.map((result) => result.sid)).size).toBe(4);
  });

  it('answers one apply result per item, in item order: applied, refused twice, unknown plan', async () => {
    // Prepare
    const { service, cluster } = world();
    const [first, second] = await service.planBatch(admin, [item('pg', 'ro'), item('pg', 'rw')]);
    await service.apply(admin, 'pg', second?.sid ?? '');
    const unknown = '01900000-0000-7000-8000-000000000000';

    // Act
    const results = await service.applyBatch(admin, [
      { sid: first?.sid ?? '', resource_name: 'pg' },
      { sid: second?.sid ?? '', resource_name: 'pg' },
      { sid: unknown, resource_name: 'pg' },
    ]);

    // Assess
    expect(results.map(({ plan_sid, status, message }) => ({ plan_sid, status, message }))).toEqual([
      { plan_sid: first?.sid, status: 'success', message: '5 statements applied' },
      { plan_sid: second?.sid, status: 'failed', message: 'the plan has already been applied' },
      { plan_sid: unknown, status: 'failed', message: 'plan not found' },
    ]);
    expect(cluster.committed().filter((statement) => statement.sql.startsWith('CREATE ROLE')).length).toBe(2);
  });
});
