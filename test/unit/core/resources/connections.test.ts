import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../../functions/core/errors';
import type { SessionWriter } from '../../../../functions/core/resources/ports';
import { ResourceService } from '../../../../functions/core/resources/use-cases';
import { expectRefusal } from '../../../support/use-cases';
import { b64, postgres, resourcesWorld } from './world';

describe('connections of a resource', () => {
  it("adds a connection that takes the resource's subtype and client, and the resource lists it", async () => {
    // Prepare
    const { service, admin } = resourcesWorld();
    await service.createResource(admin, postgres('pg'));

    // Act
    const created = await service.createConnection(admin, 'pg', { name: 'ro', type: 'database', secret: { 'envvar:PASS': b64('pw') } });

    // Assess
    expect(created).toMatchObject({ name: 'ro', resource_name: 'pg', subtype: 'postgres', secret: { 'envvar:PASS': '*****' } });
    expect(created.command[0]).toBe('psql');
    expect((await service.getResource(admin, 'pg')).roles).toEqual([created]);
  });

  it('refuses a connection name held anywhere in the org, and one on a missing resource', async () => {
    // Prepare
    const { service, admin } = resourcesWorld();
    await service.createResource(admin, postgres('a', [{ name: 'ro' }]));
    await service.createResource(admin, postgres('b'));

    // Act
    const taken = service.createConnection(admin, 'b', { name: 'ro', type: 'database' });
    const missing = service.createConnection(admin, 'nope', { name: 'rw', type: 'database' });

    // Assess
    await expectRefusal(taken, ConflictError, 'role name already exists: ro');
    await expectRefusal(missing, NotFoundError, 'resource not found');
    expect((await service.getResource(admin, 'b')).roles).toEqual([]);
  });

  it('replaces a connection: its id and maker stay, settings left out go back to their defaults', async () => {
    // Prepare
    const { service, admin } = resourcesWorld();
    await service.createResource(admin, postgres('pg'));
    const created = await service.createConnection(admin, 'pg', { name: 'ro', type: 'database', reviewers: ['bob'], secret: { 'envvar:PASS': b64('old') } });

    // Act
    const replaced = await service.updateConnection(admin, 'pg', 'ro', { type: 'database', tags: ['prod'] });

    // Assess
    expect(replaced).toMatchObject({ id: created.id, managed_by: '', reviewers: [], tags: ['prod'], secret: {} });
    expect((await service.getResource(admin, 'pg')).roles).toEqual([replaced]);
  });

  it('refuses to rename a connection, and changes nothing', async () => {
    // Prepare
    const { service, admin } = resourcesWorld();
    await service.createResource(admin, postgres('pg', [{ name: 'ro' }]));
    const before = await service.getResource(admin, 'pg');

    // Act
    const rename = service.updateConnection(admin, 'pg', 'ro', { name: 'rw', type: 'application' });

    // Assess
    await expectRefusal(rename, InvalidInputError, 'a role cannot be renamed');
    expect(await service.getResource(admin, 'pg')).toEqual(before);
  });

  it('does not reach a connection through a resource it does not belong to', async () => {
    // Prepare
    const { service, sessions, admin } = resourcesWorld();
    await service.createResource(admin, postgres('a', [{ name: 'ro', secret: { 'envvar:PASS': b64('pw') } }]));
    await service.createResource(admin, postgres('b'));

    // Act
    const attempts = [
      service.updateConnection(admin, 'b', 'ro', { type: 'database' }),
      service.deleteConnection(admin, 'b', 'ro'),
      service.revealCredentials(admin, 'b', 'ro'),
    ];

    // Assess
    for (const attempt of attempts) await expectRefusal(attempt, NotFoundError, 'role not found');
    expect((await service.getResource(admin, 'a')).roles.map((connection) => connection.name)).toEqual(['ro']);
    expect(sessions.written(admin.orgId)).toEqual([]);
  });

  it('deletes a connection: the resource no longer lists it and its name is free again', async () => {
    // Prepare
    const { service, admin } = resourcesWorld();
    await service.createResource(admin, postgres('a', [{ name: 'ro' }, { name: 'rw' }]));
    await service.createResource(admin, postgres('b'));

    // Act
    await service.deleteConnection(admin, 'a', 'ro');

    // Assess
    expect((await service.getResource(admin, 'a')).roles.map((connection) => connection.name)).toEqual(['rw']);
    await expect(service.createConnection(admin, 'b', { name: 'ro', type: 'database' })).resolves.toMatchObject({ resource_name: 'b' });
    await expectRefusal(service.deleteConnection(admin, 'a', 'ro'), NotFoundError, 'role not found');
  });
});

describe('the reveal of credentials', () => {
  it('gives the decoded values and provider references, and records who saw which keys, never the values', async () => {
    // Prepare
    const { service, sessions, admin } = resourcesWorld();
    const secret = { 'envvar:PASS': b64('s3cret'), 'envvar:USER': b64('ro'), 'envvar:KEY': '_aws:prod/db:key' };
    await service.createResource(admin, postgres('pg', [{ name: 'ro', secret }]));

    // Act
    const revealed = await service.revealCredentials(admin, 'pg', 'ro');

    // Assess
    expect(revealed).toEqual({ role: 'ro', secret: { 'envvar:PASS': 's3cret', 'envvar:USER': 'ro', 'envvar:KEY': '_aws:prod/db:key' } });
    const recorded = sessions.written(admin.orgId);
    expect(recorded).toEqual([
      expect.objectContaining({
        kind: 'reveal',
        resource_name: 'pg',
        role: 'ro',
        status: 'success',
        user: { sub: 'alice', email: 'alice@example.com' },
        output: { revealed_keys: ['envvar:KEY', 'envvar:PASS', 'envvar:USER'] },
      }),
    ]);
    expect(JSON.stringify(recorded)).not.toMatch(/s3cret|prod\/db/);
    expect(JSON.stringify(recorded)).not.toContain(b64('s3cret'));
  });

  it('reveals nothing when the reveal cannot be recorded', async () => {
    // Prepare
    const { store, sealer, admin } = resourcesWorld();
    const unrecorded: SessionWriter = { create: async () => Promise.reject(new Error('the audit trail is down')) };
    const service = new ResourceService(store, unrecorded, sealer);
    await service.createResource(admin, postgres('pg', [{ name: 'ro', secret: { 'envvar:PASS': b64('s3cret') } }]));

    // Act
    const reveal = service.revealCredentials(admin, 'pg', 'ro');

    // Assess
    await expect(reveal).rejects.toThrow('the audit trail is down');
  });
});
