import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../../../functions/core/errors';
import { expectRefusal } from '../../../support/use-cases';
import { b64, postgres, resourcesWorld } from './world';

describe('resources', () => {
  it('creates a resource with its connections, fills in their defaults and shows them sorted by name', async () => {
    // Prepare
    const { service, admin } = resourcesWorld();
    const input = {
      ...postgres('pg-main'),
      roles: [
        { name: 'pg-main-ro', type: 'database' as const, secret: { 'envvar:PASS': b64('s3cret') } },
        { name: 'pg-main-app', type: 'application' as const, reviewers: ['bob'] },
      ],
    };

    // Act
    const created = await service.createResource(admin, input);
    const fetched = await service.getResource(admin, 'pg-main');

    // Assess
    expect(created.roles.map((connection) => connection.name)).toEqual(['pg-main-app', 'pg-main-ro']);
    expect(created.roles[1]).toMatchObject({
      resource_name: 'pg-main',
      subtype: 'postgres',
      command: expect.arrayContaining(['psql']),
      secret: { 'envvar:PASS': '*****' },
      managed_by: '',
      agent_id: null,
    });
    expect(created.roles[0]).toMatchObject({ subtype: 'application', command: [], reviewers: ['bob'] });
    expect(fetched).toEqual(created);
    expect(JSON.stringify(fetched)).not.toContain(b64('s3cret'));
  });

  it('refuses a resource name the org already has, and keeps the first resource', async () => {
    // Prepare
    const { service, admin } = resourcesWorld();
    await service.createResource(admin, postgres('pg'));

    // Act
    const second = service.createResource(admin, { name: 'pg', type: 'custom', env_vars: {} });

    // Assess
    await expectRefusal(second, ConflictError, 'resource name already exists');
    expect((await service.getResource(admin, 'pg')).type).toBe('database');
  });

  it('refuses a connection name another resource of the org holds, and creates nothing', async () => {
    // Prepare
    const { service, admin } = resourcesWorld();
    await service.createResource(admin, postgres('a', [{ name: 'ro' }]));

    // Act
    const second = service.createResource(admin, postgres('b', [{ name: 'rw' }, { name: 'ro' }]));

    // Assess
    await expectRefusal(second, ConflictError, 'role name already exists: ro');
    await expect(service.getResource(admin, 'b')).rejects.toThrow(NotFoundError);
    expect((await service.getResource(admin, 'a')).roles.map((connection) => connection.resource_name)).toEqual(['a']);
  });

  it('shows env vars with credentials masked to admins and auditors, and none to other users', async () => {
    // Prepare
    const { service, admin, auditor, user } = resourcesWorld();
    const created = await service.createResource(admin, postgres('pg'));

    // Act
    const asAdmin = await service.getResource(admin, 'pg');
    const asAuditor = await service.getResource(auditor, 'pg');
    const asUser = await service.getResource(user, 'pg');
    const listedToUser = await service.listResources(user, { page_size: 10 });

    // Assess
    const masked = { HOST: 'pg.internal', DB_PASSWORD: '*****' };
    expect(created.env_vars).toEqual(masked);
    expect(asAdmin.env_vars).toEqual(masked);
    expect(asAuditor.env_vars).toEqual(masked);
    expect(asUser.env_vars).toEqual({});
    expect(listedToUser.items[0]?.env_vars).toEqual({});
  });

  it('lists resources by name a page at a time, and searches name, type and subtype', async () => {
    // Prepare
    const { service, admin } = resourcesWorld();
    for (const name of ['charlie', 'alpha', 'bravo']) await service.createResource(admin, postgres(name));
    await service.createResource(admin, { name: 'delta', type: 'database', subtype: 'mysql', env_vars: {} });

    // Act
    const first = await service.listResources(admin, { page_size: 2 });
    const second = await service.listResources(admin, { page_size: 2, next_token: first.next_token ?? undefined });
    const searched = await service.listResources(admin, { page_size: 10, search: 'MySQL' });

    // Assess
    expect(first.items.map((resource) => resource.name)).toEqual(['alpha', 'bravo']);
    expect(second.items.map((resource) => resource.name)).toEqual(['charlie', 'delta']);
    expect(second.next_token).toBeNull();
    expect(searched.items.map((resource) => resource.name)).toEqual(['delta']);
  });

  it('lets another org see none of it and reuse its names', async () => {
    // Prepare
    const { service, sessions, admin, otherAdmin } = resourcesWorld();
    const original = await service.createResource(admin, postgres('pg', [{ name: 'ro', secret: { 'envvar:PASS': b64('s3cret') } }]));
    const update = { name: 'pg', type: 'custom', env_vars: {} };

    // Act
    const listed = await service.listResources(otherAdmin, { page_size: 10 });
    const reads = [
      service.getResource(otherAdmin, 'pg'),
      service.updateResource(otherAdmin, 'pg', update),
      service.deleteResource(otherAdmin, 'pg'),
      service.createConnection(otherAdmin, 'pg', { name: 'rw', type: 'database' }),
      service.revealCredentials(otherAdmin, 'pg', 'ro'),
    ];
    // Settled before the next write, which takes a while (it encrypts): a refusal is never left unhandled.
    await Promise.allSettled(reads);
    const ownCopy = await service.createResource(otherAdmin, postgres('pg', [{ name: 'ro' }]));

    // Assess
    expect(listed.items).toEqual([]);
    for (const read of reads) await expectRefusal(read, NotFoundError, 'resource not found');
    expect(ownCopy.id).not.toBe(original.id);
    expect(await service.getResource(admin, 'pg')).toEqual(original);
    expect(sessions.written(otherAdmin.orgId)).toEqual([]);
  });

  it('renames a resource and its connections follow it', async () => {
    // Prepare
    const { service, admin } = resourcesWorld();
    await service.createResource(admin, postgres('old', [{ name: 'ro' }]));

    // Act
    const renamed = await service.updateResource(admin, 'old', { name: 'new', type: 'database', subtype: 'postgres', env_vars: {} });

    // Assess
    expect(renamed.roles.map((connection) => [connection.name, connection.resource_name])).toEqual([['ro', 'new']]);
    await expect(service.getResource(admin, 'old')).rejects.toThrow(NotFoundError);
    expect((await service.getResource(admin, 'new')).env_vars).toEqual({});
  });

  it('refuses a rename onto a name the org has', async () => {
    // Prepare
    const { service, admin } = resourcesWorld();
    await service.createResource(admin, postgres('a'));
    await service.createResource(admin, postgres('b'));

    // Act
    const rename = service.updateResource(admin, 'a', { ...postgres('b'), name: 'b' });

    // Assess
    await expectRefusal(rename, ConflictError, 'resource name already exists');
    expect((await service.getResource(admin, 'a')).name).toBe('a');
  });

  it('refuses to change the type or subtype while the resource has connections, and allows it without', async () => {
    // Prepare
    const { service, admin } = resourcesWorld();
    await service.createResource(admin, postgres('with', [{ name: 'ro' }]));
    await service.createResource(admin, postgres('without'));

    // Act
    const changeWith = service.updateResource(admin, 'with', { name: 'with', type: 'database', subtype: 'mysql', env_vars: {} });
    const changedWithout = await service.updateResource(admin, 'without', { name: 'without', type: 'database', subtype: 'mysql', env_vars: {} });

    // Assess
    await expectRefusal(changeWith, ConflictError, 'cannot change resource type or subtype while it has roles');
    expect((await service.getResource(admin, 'with')).subtype).toBe('postgres');
    expect(changedWithout.subtype).toBe('mysql');
  });

  it('refuses to delete a resource that has connections, and deletes it once they are gone', async () => {
    // Prepare
    const { service, admin } = resourcesWorld();
    await service.createResource(admin, postgres('pg', [{ name: 'ro' }]));

    // Act
    const refused = service.deleteResource(admin, 'pg');

    // Assess
    await expectRefusal(refused, ConflictError, 'cannot delete a resource that has roles');
    await service.deleteConnection(admin, 'pg', 'ro');
    await service.deleteResource(admin, 'pg');
    await expectRefusal(service.getResource(admin, 'pg'), NotFoundError, 'resource not found');
    await expect(service.deleteResource(admin, 'pg')).rejects.toThrow(NotFoundError);
  });

  it('retries a change that lost to a concurrent one, on top of what that one left', async () => {
    // Prepare
    const { service, store, admin } = resourcesWorld();
    await service.createResource(admin, postgres('pg'));
    store.interleave(() => service.updateResource(admin, 'pg', { name: 'pg', type: 'database', subtype: 'postgres', env_vars: { HOST: 'theirs' } }));

    // Act
    const mine = await service.updateResource(admin, 'pg', { name: 'pg', type: 'database', subtype: 'postgres', env_vars: { HOST: 'mine' } });

    // Assess
    expect(mine.env_vars).toEqual({ HOST: 'mine' });
    expect((await store.getResource(admin.orgId, 'pg'))?.version).toBe(3);
  });

  it('gives up with a conflict when the resource keeps changing under a change', async () => {
    // Prepare
    const { service, store, admin } = resourcesWorld();
    await service.createResource(admin, postgres('pg'));
    const theirs = { name: 'pg', type: 'database', subtype: 'postgres', env_vars: { HOST: 'theirs' } };
    store.interleave(() => service.updateResource(admin, 'pg', theirs), 4);

    // Act
    const mine = service.updateResource(admin, 'pg', { ...theirs, env_vars: { HOST: 'mine' } });

    // Assess
    await expectRefusal(mine, ConflictError, 'the resource was changed concurrently; try again');
    expect((await service.getResource(admin, 'pg')).env_vars).toEqual({ HOST: 'theirs' });
  });
});
