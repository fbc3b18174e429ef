import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../../../functions/core/errors';
import type { ConnectionInput } from '../../../../functions/core/resources/model';
import { expectRefusal } from '../../../support/use-cases';
import { b64, postgres, resourcesWorld } from './world';

/** The resource a provisioning job keeps its credentials in. */
const cluster = { name: 'cluster-1', type: 'database', subtype: 'postgres', env_vars: { HOST: 'cluster-1.internal' } };
const credentials = (name: string, password: string): { input: ConnectionInput; managedBy: string } => ({
  input: { name, type: 'database', secret: { 'envvar:PASS': b64(password) } },
  managedBy: 'dbroles',
});

describe('connections the service stores (provisioned credentials)', () => {
  it('creates the resource with them when it is missing, and nothing when there are none', async () => {
    // Prepare
    const { service, admin } = resourcesWorld();

    // Act
    await service.upsertServiceConnections(admin.orgId, { ...cluster, name: 'empty' }, []);
    await service.upsertServiceConnections(admin.orgId, cluster, [credentials('hoop_ro', 'one')]);

    // Assess
    const resource = await service.getResource(admin, 'cluster-1');
    expect(resource).toMatchObject({ env_vars: cluster.env_vars, agent_id: null });
    expect(resource.roles).toEqual([expect.objectContaining({ name: 'hoop_ro', managed_by: 'dbroles', subtype: 'postgres' })]);
    expect((await service.listResources(admin, { page_size: 10 })).items.map((listed) => listed.name)).toEqual(['cluster-1']);
  });

  it('replaces a connection of the same name in place and adds the new ones', async () => {
    // Prepare
    const { service, admin } = resourcesWorld();
    await service.upsertServiceConnections(admin.orgId, cluster, [credentials('hoop_ro', 'one')]);
    const [before] = (await service.getResource(admin, 'cluster-1')).roles;

    // Act
    await service.upsertServiceConnections(admin.orgId, cluster, [credentials('hoop_ro', 'two'), credentials('hoop_rw', 'three')]);

    // Assess
    const after = (await service.getResource(admin, 'cluster-1')).roles;
    expect(after.map((connection) => connection.name)).toEqual(['hoop_ro', 'hoop_rw']);
    expect(after[0]?.id).toBe(before?.id);
    expect(await service.revealCredentials(admin, 'cluster-1', 'hoop_ro')).toEqual({ role: 'hoop_ro', secret: { 'envvar:PASS': 'two' } });
  });

  it('rewrites the other connections the refresh returns, in the same write, and leaves the rest', async () => {
    // Prepare
    const { service, admin } = resourcesWorld();
    await service.createResource(admin, { ...cluster, roles: [{ name: 'copy', type: 'database' }, { name: 'unrelated', type: 'database' }] });

    // Act
    await service.upsertServiceConnections(admin.orgId, cluster, [credentials('hoop_ro', 'new')], (other) =>
      other.name === 'copy' ? { ...other, secret: { 'envvar:PASS': b64('new') } } : undefined,
    );

    // Assess
    expect((await service.revealCredentials(admin, 'cluster-1', 'copy')).secret).toEqual({ 'envvar:PASS': 'new' });
    expect((await service.revealCredentials(admin, 'cluster-1', 'unrelated')).secret).toEqual({});
  });

  it('refuses a name another resource of the org holds, and writes none of the connections', async () => {
    // Prepare
    const { service, admin } = resourcesWorld();
    await service.createResource(admin, postgres('elsewhere', [{ name: 'hoop_rw' }]));
    await service.createResource(admin, { ...cluster, roles: [] });

    // Act
    const upsert = service.upsertServiceConnections(admin.orgId, cluster, [credentials('hoop_ro', 'one'), credentials('hoop_rw', 'two')]);

    // Assess
    await expectRefusal(upsert, ConflictError, 'role name already exists on another resource: hoop_rw');
    expect((await service.getResource(admin, 'cluster-1')).roles).toEqual([]);
  });

  it('stores into the resource when another job created it first', async () => {
    // Prepare
    const { service, store, admin } = resourcesWorld();
    store.interleave(() => service.upsertServiceConnections(admin.orgId, cluster, [credentials('hoop_rw', 'theirs')]));

    // Act
    await service.upsertServiceConnections(admin.orgId, cluster, [credentials('hoop_ro', 'mine')]);

    // Assess
    expect((await service.getResource(admin, 'cluster-1')).roles.map((connection) => connection.name)).toEqual(['hoop_ro', 'hoop_rw']);
  });
});
