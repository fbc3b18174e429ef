import { beforeAll, describe, expect, it } from 'vitest';
import { apiAs, call, itemsOfOrg, newOrg, tokenFor } from '../support/api';

type Api = Awaited<ReturnType<typeof apiAs>>;

interface Role {
  id: string;
  name: string;
  resource_name: string;
  type: string;
  subtype: string;
  command: string[];
  secret: Record<string, string>;
  [setting: string]: unknown;
}

interface Resource {
  id: string;
  name: string;
  type: string;
  subtype: string;
  env_vars: Record<string, string>;
  agent_id: string | null;
  roles: Role[];
  created_at: string;
  updated_at: string;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('Resources API', () => {
  const org = newOrg();
  let admin: Api;
  let standard: Api;
  let auditor: Api;

  beforeAll(async () => {
    admin = await apiAs({ org, groups: ['admin'], sub: 'alice', email: 'alice@example.com' });
    standard = await apiAs({ org, groups: ['engineering'] });
    auditor = await apiAs({ org, groups: ['auditor'] });
  });

  it('creates a resource with its roles and fills in the defaults of seed 001', async () => {
    // Prepare
    const body = {
      name: 'pg-main',
      type: 'database',
      subtype: 'postgres',
      env_vars: { HOST: 'db.internal', DB_PASSWORD: 'hunter2', RDS_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:x' },
      roles: [
        { name: 'pg-main-ro', type: 'database', secret: { 'envvar:USER': b64('ro'), 'envvar:PASS': b64('s3cret') } },
        { name: 'pg-main-app', type: 'application', subtype: 'tcp', reviewers: ['bob'] },
      ],
    };

    // Act
    const created = await admin('POST', '/resources', { body });

    // Assess
    expect(created.status).toBe(201);
    const resource = created.body as Resource;
    expect(resource).toMatchObject({ name: 'pg-main', type: 'database', subtype: 'postgres', agent_id: null });
    expect(resource.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(resource.created_at)).not.toBeNaN();
    expect(resource.env_vars).toEqual({ HOST: 'db.internal', DB_PASSWORD: '*****', RDS_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:x' });
    const [app, ro] = resource.roles;
    expect(ro).toMatchObject({
      name: 'pg-main-ro',
      resource_name: 'pg-main',
      type: 'database',
      subtype: 'postgres',
      managed_by: '',
      agent_id: null,
      secret: { 'envvar:USER': '*****', 'envvar:PASS': '*****' },
      access_max_duration: 0,
      attributes: [],
      connection_tags: {},
      default_database: '',
      redact_enabled: false,
      reviewers: [],
      tags: [],
    });
    expect(ro?.command[0]).toBe('psql');
    expect(app).toMatchObject({ name: 'pg-main-app', type: 'application', subtype: 'tcp', command: [], reviewers: ['bob'] });

    const fetched = await admin('GET', '/resources/pg-main');
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(resource);
    expect(JSON.stringify(fetched.body)).not.toContain('hunter2');
    expect(JSON.stringify(fetched.body)).not.toContain(b64('s3cret'));
  });

  it('defaults subtype to type', async () => {
    // Act
    const created = await admin('POST', '/resources', { body: { name: 'custom-1', type: 'custom', env_vars: {} } });

    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ type: 'custom', subtype: 'custom', roles: [] });
  });

  it('reveals credentials decoded to an admin only, and records each reveal as a session', async () => {
    // Prepare
    await admin('POST', '/resources', {
      body: { name: 'reveal-db', type: 'database', subtype: 'postgres', env_vars: {}, roles: [{ name: 'reveal-ro', type: 'database', secret: { 'envvar:PASS': b64('pa55'), 'envvar:REF': '_aws:my/secret:key' } }] },
    });
    const sessionsBefore = (await itemsOfOrg(org)).filter((item) => String(item.sk).startsWith('SESSION#'));

    // Act
    const revealed = await admin('GET', '/resources/reveal-db/roles/reveal-ro/credentials');
    const byAuditor = await auditor('GET', '/resources/reveal-db/roles/reveal-ro/credentials');
    const byStandard = await standard('GET', '/resources/reveal-db/roles/reveal-ro/credentials');

    // Assess
    expect(revealed.status).toBe(200);
    expect(revealed.body).toEqual({ role: 'reveal-ro', secret: { 'envvar:PASS': 'pa55', 'envvar:REF': '_aws:my/secret:key' } });
    expect(byAuditor.status).toBe(403);
    expect(byStandard.status).toBe(403);
    const sessions = (await itemsOfOrg(org)).filter((item) => String(item.sk).startsWith('SESSION#'));
    expect(sessions.length).toBe(sessionsBefore.length + 1);
    const reveal = sessions.find((item) => !sessionsBefore.some((before) => before.sk === item.sk));
    expect(reveal).toMatchObject({ kind: 'reveal', resource_name: 'reveal-db', role: 'reveal-ro', user: { sub: 'alice', email: 'alice@example.com' } });
    expect(JSON.stringify(reveal)).not.toContain('pa55');
  });

  it('shows env vars to admins and auditors but not to standard users', async () => {
    // Prepare
    await admin('POST', '/resources', { body: { name: 'env-db', type: 'database', env_vars: { HOST: 'h', API_TOKEN: 't' } } });

    // Act
    const [asAdmin, asAuditor, asStandard] = await Promise.all([admin('GET', '/resources/env-db'), auditor('GET', '/resources/env-db'), standard('GET', '/resources/env-db')]);

    // Assess
    expect((asAdmin.body as Resource).env_vars).toEqual({ HOST: 'h', API_TOKEN: '*****' });
    expect((asAuditor.body as Resource).env_vars).toEqual({ HOST: 'h', API_TOKEN: '*****' });
    expect(asStandard.status).toBe(200);
    expect((asStandard.body as Resource).env_vars).toEqual({});
  });

  it('renames a resource and carries its roles along', async () => {
    // Prepare
    await admin('POST', '/resources', { body: { name: 'old-name', type: 'database', subtype: 'postgres', env_vars: {}, roles: [{ name: 'carried-role', type: 'database' }] } });

    // Act
    const renamed = await admin('PUT', '/resources/old-name', { body: { name: 'new-name', type: 'database', subtype: 'postgres', env_vars: { HOST: 'x' } } });

    // Assess
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'new-name', env_vars: { HOST: 'x' }, roles: [{ name: 'carried-role', resource_name: 'new-name' }] });
    expect((await admin('GET', '/resources/old-name')).status).toBe(404);
    expect((await admin('PUT', '/resources/new-name/roles/carried-role', { body: { type: 'database', tags: ['t'] } })).body).toMatchObject({
      resource_name: 'new-name',
      tags: ['t'],
    });
  });

  it('refuses a type change and a delete while roles exist, and allows both once they are gone', async () => {
    // Prepare
    await admin('POST', '/resources', { body: { name: 'guarded', type: 'database', subtype: 'postgres', env_vars: {}, roles: [{ name: 'guarded-role', type: 'database' }] } });

    // Act
    const typeChange = await admin('PUT', '/resources/guarded', { body: { name: 'guarded', type: 'database', subtype: 'mysql', env_vars: {} } });
    const deleteWithRoles = await admin('DELETE', '/resources/guarded');
    const roleDeleted = await admin('DELETE', '/resources/guarded/roles/guarded-role');
    const typeChangeAfter = await admin('PUT', '/resources/guarded', { body: { name: 'guarded', type: 'database', subtype: 'mysql', env_vars: {} } });
    const deleted = await admin('DELETE', '/resources/guarded');

    // Assess
    expect(typeChange).toMatchObject({ status: 409, body: { message: 'cannot change resource type or subtype while it has roles' } });
    expect(deleteWithRoles).toMatchObject({ status: 409, body: { message: 'cannot delete a resource that has roles' } });
    expect(roleDeleted.status).toBe(204);
    expect(typeChangeAfter.status).toBe(200);
    expect(deleted.status).toBe(204);
    expect((await admin('GET', '/resources/guarded')).status).toBe(404);
  });

  it('keeps resource names and role names unique in the org', async () => {
    // Prepare
    await admin('POST', '/resources', { body: { name: 'unique-a', type: 'database', env_vars: {}, roles: [{ name: 'unique-role', type: 'database' }] } });

    // Act
    const sameName = await admin('POST', '/resources', { body: { name: 'unique-a', type: 'database', env_vars: {} } });
    const sameRoleElsewhere = await admin('POST', '/resources', { body: { name: 'unique-b', type: 'database', env_vars: {}, roles: [{ name: 'unique-role', type: 'database' }] } });
    await admin('POST', '/resources', { body: { name: 'unique-c', type: 'database', env_vars: {} } });
    const addTaken = await admin('POST', '/resources/unique-c/roles', { body: { name: 'unique-role', type: 'database' } });
    const renameOnto = await admin('PUT', '/resources/unique-c', { body: { name: 'unique-a', type: 'database', env_vars: {} } });

    // Assess
    expect(sameName).toMatchObject({ status: 409, body: { message: 'resource name already exists' } });
    expect(sameRoleElsewhere.status).toBe(409);
    expect((sameRoleElsewhere.body as { message: string }).message).toContain('unique-role');
    expect((await admin('GET', '/resources/unique-b')).status).toBe(404);
    expect(addTaken.status).toBe(409);
    expect(renameOnto).toMatchObject({ status: 409, body: { message: 'resource name already exists' } });
  });

  it('manages one role at a time', async () => {
    // Prepare
    await admin('POST', '/resources', { body: { name: 'roles-db', type: 'database', subtype: 'postgres', env_vars: {} } });

    // Act
    const added = await admin('POST', '/resources/roles-db/roles', { body: { name: 'roles-db-rw', type: 'database', secret: { 'envvar:PASS': b64('x') } } });
    const replaced = await admin('PUT', '/resources/roles-db/roles/roles-db-rw', { body: { type: 'database', min_review_approvals: 2 } });
    const renamed = await admin('PUT', '/resources/roles-db/roles/roles-db-rw', { body: { name: 'other', type: 'database' } });
    const missing = await admin('PUT', '/resources/roles-db/roles/nope', { body: { type: 'database' } });
    const removed = await admin('DELETE', '/resources/roles-db/roles/roles-db-rw');
    const removedAgain = await admin('DELETE', '/resources/roles-db/roles/roles-db-rw');

    // Assess
    expect(added).toMatchObject({ status: 201, body: { name: 'roles-db-rw', resource_name: 'roles-db', subtype: 'postgres', secret: { 'envvar:PASS': '*****' } } });
    expect(replaced).toMatchObject({ status: 200, body: { min_review_approvals: 2, secret: {} } });
    expect((replaced.body as Role).id).toBe((added.body as Role).id);
    expect(renamed.status).toBe(400);
    expect(missing.status).toBe(404);
    expect(removed.status).toBe(204);
    expect(removedAgain.status).toBe(404);
    expect((await admin('GET', '/resources/roles-db')).body).toMatchObject({ roles: [] });
  });

  it('answers 401 without a valid token and 403 to users who may not write', async () => {
    // Prepare
    const body = { name: 'forbidden', type: 'database', env_vars: {} };
    const expired = await tokenFor({ org, groups: ['admin'] }).then((token) => `${token.slice(0, -4)}AAAA`);

    // Act
    const noToken = await call('GET', '/resources');
    const badToken = await call('GET', '/resources', { token: expired });
    const asStandard = await standard('POST', '/resources', { body });
    const asAuditor = await auditor('DELETE', '/resources/anything');
    const noOrg = await call('GET', '/resources', { token: await tokenFor({ org: '', groups: ['admin'] }) });

    // Assess
    expect(noToken).toMatchObject({ status: 401, body: { message: 'Unauthorized' } });
    expect(badToken.status).toBe(401);
    expect(asStandard.status).toBe(403);
    expect(asAuditor.status).toBe(403);
    expect(noOrg.status).toBe(403);
    expect((await itemsOfOrg(org)).some((item) => item.sk === 'RESOURCE#forbidden')).toBe(false);
  });

  it("keeps every org's objects invisible to other orgs", async () => {
    // Prepare
    const otherOrg = newOrg('other');
    const other = await apiAs({ org: otherOrg, groups: ['admin'] });
    await admin('POST', '/resources', { body: { name: 'private-db', type: 'database', env_vars: {}, roles: [{ name: 'private-role', type: 'database', secret: { k: b64('v') } }] } });

    // Act
    const answers = await Promise.all([
      other('GET', '/resources/private-db'),
      other('PUT', '/resources/private-db', { body: { name: 'private-db', type: 'database', env_vars: {} } }),
      other('DELETE', '/resources/private-db'),
      other('POST', '/resources/private-db/roles', { body: { name: 'x', type: 'database' } }),
      other('PUT', '/resources/private-db/roles/private-role', { body: { type: 'database' } }),
      other('DELETE', '/resources/private-db/roles/private-role'),
      other('GET', '/resources/private-db/roles/private-role/credentials'),
    ]);
    const sameNamesElsewhere = await other('POST', '/resources', { body: { name: 'private-db', type: 'database', env_vars: {}, roles: [{ name: 'private-role', type: 'database' }] } });

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404, 404, 404, 404, 404]);
    expect(sameNamesElsewhere.status).toBe(201);
    expect((await other('GET', '/resources')).body).toMatchObject({ items: [{ name: 'private-db' }] });
    expect((await admin('GET', '/resources/private-db')).body).toMatchObject({ roles: [{ name: 'private-role', secret: { k: '*****' } }] });
  });

  it('serves the security headers on every answer', async () => {
    // Act
    const answer = await admin('GET', '/resources/does-not-exist');

    // Assess
    expect(answer).toMatchObject({ status: 404, body: { message: 'resource not found' } });
    expect(answer.headers.get('strict-transport-security')).toContain('max-age');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('content-type')).toContain('application/json');
  });
});
