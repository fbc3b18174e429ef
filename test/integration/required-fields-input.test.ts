import { beforeAll, describe, expect, it } from 'vitest';
import { apiAs, itemsOfOrg, newOrg } from '../support/api';

type Api = Awaited<ReturnType<typeof apiAs>>;

interface ErrorBody {
  message: string;
  errors?: { path: string; message: string }[];
}

/**
 * A request without a required field names the field ("env_vars is required") in the message and in
 * its field error, on every endpoint that takes a body, rather than zod's "expected record, received
 * undefined".
 */
describe('Required fields: a missing one is named', () => {
  const org = newOrg('required');
  let admin: Api;

  beforeAll(async () => {
    admin = await apiAs({ org, groups: ['admin'] });
    const seeded = await admin('POST', '/resources', { body: { name: 'seeded', type: 'database', env_vars: {}, roles: [{ name: 'seeded-role', type: 'database' }] } });
    expect(seeded.status).toBe(201);
  });

  const requests: { method: string; path: string; body: unknown; required: string[] }[] = [
    { method: 'POST', path: '/resources', body: {}, required: ['name', 'type', 'env_vars'] },
    { method: 'POST', path: '/resources', body: { name: 'r', type: 'database' }, required: ['env_vars'] },
    { method: 'POST', path: '/resources', body: { name: 'r', type: 'database', env_vars: {}, roles: [{}] }, required: ['roles.0.name', 'roles.0.type'] },
    { method: 'PUT', path: '/resources/seeded', body: {}, required: ['name', 'type', 'env_vars'] },
    { method: 'POST', path: '/resources/seeded/roles', body: {}, required: ['name', 'type'] },
    { method: 'PUT', path: '/resources/seeded/roles/seeded-role', body: {}, required: ['type'] },
    { method: 'POST', path: '/resources/seeded/plan', body: {}, required: ['role'] },
    { method: 'POST', path: '/resources/plan', body: {}, required: ['items'] },
    { method: 'POST', path: '/resources/plan', body: { items: [{}] }, required: ['items.0.resource_name', 'items.0.role'] },
    { method: 'POST', path: '/resources/seeded/apply', body: {}, required: ['sid'] },
    { method: 'POST', path: '/resources/apply', body: { items: [{}] }, required: ['items.0.sid', 'items.0.resource_name'] },
    { method: 'POST', path: '/dbroles/jobs', body: {}, required: ['aws', 'connection_prefix_name'] },
    { method: 'POST', path: '/dbroles/jobs', body: { aws: {}, connection_prefix_name: 'p-' }, required: ['aws.instance_arn'] },
  ];

  it.each(requests)('$method $path with $body names $required', async ({ method, path, body, required }) => {
    // Prepare
    const before = await itemsOfOrg(org);

    // Act
    const answer = await admin(method, path, { body });

    // Assess
    expect(answer.status).toBe(400);
    const error = answer.body as ErrorBody;
    expect(error.errors).toEqual(required.map((field) => ({ path: field, message: `${field} is required` })));
    expect(error.message).toBe(`invalid request body: ${required.map((field) => `${field} is required`).join('; ')}`);
    expect(await itemsOfOrg(org)).toEqual(before);
  });

  it('still says what is wrong with a field that is present', async () => {
    // Act
    const answer = await admin('POST', '/resources', { body: { name: 42, type: 'database', env_vars: {} } });

    // Assess
    expect(answer.status).toBe(400);
    const error = answer.body as ErrorBody;
    expect(error.errors).toEqual([{ path: 'name', message: 'name must be a string' }]);
    expect(error.message).toBe('invalid request body: name must be a string');
  });
});
