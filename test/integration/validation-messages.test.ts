import { beforeAll, describe, expect, it } from 'vitest';
import { apiAs, itemsOfOrg, newOrg } from '../support/api';

type Api = Awaited<ReturnType<typeof apiAs>>;

interface ErrorBody {
  message: string;
  errors?: { path: string; message: string }[];
}

/**
 * Where a schema sets no message of its own, the answer carries zod's English one: the functions
 * validate with zod/mini, which loads no locale unless told, and would otherwise answer "Invalid input".
 */
describe("Validation messages: zod's own, in English", () => {
  const org = newOrg('zod-messages');
  let admin: Api;

  beforeAll(async () => {
    admin = await apiAs({ org, groups: ['admin', 'auditor'] });
    const seeded = await admin('POST', '/resources', { body: { name: 'seeded', type: 'database', env_vars: {}, roles: [{ name: 'seeded-role', type: 'database' }] } });
    expect(seeded.status).toBe(201);
  });

  const requests: { method: string; path: string; body?: unknown; where: string; field: string; message: string }[] = [
    {
      method: 'POST',
      path: '/resources/seeded/plan',
      body: { role: 'ro', privileges: ['SELECT'], scopes: ['app'], rotate_password: 'yes' },
      where: 'request body',
      field: 'rotate_password',
      message: 'Invalid input: expected boolean, received string',
    },
    {
      method: 'PUT',
      path: '/resources/seeded/roles/seeded-role',
      body: { type: 'database', access_max_duration: -1 },
      where: 'request body',
      field: 'access_max_duration',
      message: 'Too small: expected number to be >=0',
    },
    { method: 'GET', path: '/sessions?kind=nope', where: 'query', field: 'kind', message: 'Invalid option: expected one of "plan"|"apply"|"reveal"' },
    { method: 'GET', path: `/resources?search=${'x'.repeat(129)}`, where: 'query', field: 'search', message: 'Too big: expected string to have <=128 characters' },
  ];

  it.each(requests)('$method $path answers "$message" for $field', async ({ method, path, body, where, field, message }) => {
    // Prepare
    const before = await itemsOfOrg(org);

    // Act
    const answer = await admin(method, path, body === undefined ? {} : { body });

    // Assess
    expect(answer.status).toBe(400);
    const error = answer.body as ErrorBody;
    expect(error.errors).toEqual([{ path: field, message }]);
    expect(error.message).toBe(`invalid ${where}: ${field}: ${message}`);
    expect(await itemsOfOrg(org)).toEqual(before);
  });
});
