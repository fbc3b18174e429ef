import { beforeAll, describe, expect, it } from 'vitest';
import { itemSize } from '../../functions/adapters/dynamodb/table';
import { apiAs, call, itemsOfOrg, newOrg } from '../support/api';

type Api = Awaited<ReturnType<typeof apiAs>>;

interface ErrorBody {
  message: string;
  errors?: { path: string; message: string }[];
}

interface Resource {
  name: string;
  env_vars: Record<string, string>;
  roles: { name: string; secret: Record<string, string>; connection_tags: Record<string, string> }[];
}

const ITEM_LIMIT = 400 * 1024;
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** `count` env vars of 4 KiB values: 100 of them make a resource item over DynamoDB's 400 KB. */
const bigEnvVars = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`VAR_${index}`, 'v'.repeat(4096)]));

/**
 * Env vars that add exactly `bytes` to a resource item whose env_vars map is empty: each entry counts
 * 1 byte, its name and its value (DynamoDB's rules). Names of 250 bytes keep it under 100 entries.
 */
function envVarsAdding(bytes: number): Record<string, string> {
  const name = (index: number) => `K${String(index).padStart(3, '0')}${'k'.repeat(246)}`;
  const entry = (index: number, size: number) => [name(index), 'v'.repeat(size - 1 - 250)] as const;
  const full = 1 + 250 + 4096;
  let count = Math.floor(bytes / full);
  let rest = bytes - count * full;
  if (rest > 0 && rest < 251) {
    count -= 1;
    rest += full;
  }
  const entries = Array.from({ length: count }, (_, index) => entry(index, full));
  if (rest > full) entries.push(entry(count, 2251), entry(count + 1, rest - 2251));
  else if (rest > 0) entries.push(entry(count, rest));
  return Object.fromEntries(entries);
}

describe('hostile input: a clear 4xx, and nothing written', () => {
  const org = newOrg('hostile');
  let admin: Api;
  let auditor: Api;

  beforeAll(async () => {
    admin = await apiAs({ org, groups: ['admin'] });
    auditor = await apiAs({ org, groups: ['auditor'] });
    const seeded = await admin('POST', '/resources', { body: { name: 'seeded', type: 'database', env_vars: {}, roles: [{ name: 'seeded-role', type: 'database' }] } });
    expect(seeded.status).toBe(201);
  });

  /** Runs a request and checks its answer and that the org's items are exactly as before. */
  async function expectRefused(request: () => Promise<{ status: number; body: unknown }>, status: number, message: RegExp) {
    // Prepare
    const before = await itemsOfOrg(org);

    // Act
    const answer = await request();

    // Assess
    expect(answer.status).toBe(status);
    expect((answer.body as ErrorBody).message).toMatch(message);
    expect(await itemsOfOrg(org)).toEqual(before);
    return answer.body as ErrorBody;
  }

  describe('malformed percent-encoding in the path: 400 from the HTTP API, before the authorizer', () => {
    it.each([
      ['GET', '/resources/%E0%A4%A'],
      ['GET', '/resources/%'],
      ['GET', '/resources/%ED%A0%80'],
      ['PUT', '/resources/%ED%A0%80'],
      ['DELETE', '/resources/seeded/roles/%E0%A4%A'],
      ['POST', '/resources/%/roles'],
      ['POST', '/resources/%ED%A0%80/plan'],
    ])('%s %s', async (method, path) => {
      // No token: the answer comes before the authorizer's 401.
      await expectRefused(() => call(method, path, method === 'GET' || method === 'DELETE' ? {} : { body: {} }), 400, /^malformed percent-encoding in the path$/);
    });
  });

  describe('over a DynamoDB limit: 413 naming the limit', () => {
    it('refuses a resource item over 400 KB on create and on update', async () => {
      await expectRefused(
        () => admin('POST', '/resources', { body: { name: 'huge-env', type: 'database', env_vars: bigEnvVars(100) } }),
        413,
        /^resource "huge-env" is too large: 4\d\d KB; DynamoDB items are at most 400 KB$/,
      );
      await expectRefused(
        () => admin('PUT', '/resources/seeded', { body: { name: 'seeded', type: 'database', env_vars: bigEnvVars(100) } }),
        413,
        /^resource "seeded" is too large: 4\d\d KB; DynamoDB items are at most 400 KB$/,
      );
    });

    it('refuses a create whose transaction is over 4 MB', async () => {
      const fatRole = (index: number) => ({ name: `fat-${index}`, type: 'database', secret: { A: 'a'.repeat(65_000), B: 'b'.repeat(65_000), C: 'c'.repeat(65_000) } });
      await expectRefused(
        () => admin('POST', '/resources', { body: { name: 'many-fat', type: 'database', env_vars: {}, roles: Array.from({ length: 25 }, (_, index) => fatRole(index)) } }),
        413,
        /^resource "many-fat" with its 25 roles is too large: \d+ KB in one transaction; DynamoDB transactions are at most 4 MB$/,
      );
    });

    it('refuses a role item over 400 KB on create and on update', async () => {
      const secret = Object.fromEntries(Array.from({ length: 7 }, (_, index) => [`envvar:K${index}`, 'a'.repeat(65_536)]));
      await expectRefused(
        () => admin('POST', '/resources/seeded/roles', { body: { name: 'fat-role', type: 'database', secret } }),
        413,
        // The size of the item as it would be stored: its secret values encrypted, a third larger than given.
        /^role "fat-role" is too large: \d{3} KB; DynamoDB items are at most 400 KB$/,
      );
      await expectRefused(
        () => admin('PUT', '/resources/seeded/roles/seeded-role', { body: { type: 'database', secret } }),
        413,
        /^role "seeded-role" is too large/,
      );
    });

    it('stores an item of exactly 400 KB by its count (DynamoDB Local agrees), refuses one byte more, and a role that would grow it', async () => {
      // Prepare: the item as stored, without env vars; then env vars that bring it to the limit.
      expect((await admin('POST', '/resources', { body: { name: 'at-limit', type: 'database', env_vars: {} } })).status).toBe(201);
      const bare = (await itemsOfOrg(org)).find((item) => item.sk === 'RESOURCE#at-limit');
      const missing = ITEM_LIMIT - itemSize(bare ?? {});

      // Act
      const atLimit = await admin('PUT', '/resources/at-limit', { body: { name: 'at-limit', type: 'database', env_vars: envVarsAdding(missing) } });

      // Assess
      expect(atLimit.status).toBe(200);
      const stored = (await itemsOfOrg(org)).find((item) => item.sk === 'RESOURCE#at-limit');
      expect(itemSize(stored ?? {})).toBe(ITEM_LIMIT);
      await expectRefused(
        () => admin('PUT', '/resources/at-limit', { body: { name: 'at-limit', type: 'database', env_vars: envVarsAdding(missing + 1) } }),
        413,
        /^resource "at-limit" is too large: 401 KB; DynamoDB items are at most 400 KB$/,
      );
      // A new role's name and id go into the resource's role_names.
      await expectRefused(() => admin('POST', '/resources/at-limit/roles', { body: { name: 'one-more', type: 'database' } }), 413, /^resource "at-limit" is too large/);
    });

    it('answers a body over 10 MB with 413 and the client receives it', async () => {
      await expectRefused(
        () => admin('POST', '/resources', { rawBody: JSON.stringify({ name: 'x', type: 'database', env_vars: { A: 'a'.repeat(10 * 1024 * 1024) } }) }),
        413,
        /^Request Entity Too Large$/,
      );
      // The server is fine afterwards.
      expect((await admin('GET', '/resources/seeded')).status).toBe(200);
    });
  });

  it('refuses a control character in the sessions filter by resource name', async () => {
    const refused = await expectRefused(() => admin('GET', '/sessions?resource_name=a%00b'), 400, /^invalid query: /);
    expect(refused.errors).toEqual([{ path: 'resource_name', message: 'resource_name must not contain control characters' }]);
  });

  describe('keys objects treat specially', () => {
    it('stores and returns constructor, toString and hasOwnProperty like any other key', async () => {
      // Prepare
      const special = { constructor: 'c', toString: 't', hasOwnProperty: 'h', valueOf: 'v' };
      const body = {
        name: 'constructor',
        type: 'database',
        env_vars: special,
        roles: [{ name: 'toString', type: 'database', secret: { constructor: b64('s3cret') }, connection_tags: special }],
      };

      // Act
      const created = await admin('POST', '/resources', { body });
      const fetched = await admin('GET', '/resources/constructor');
      const listed = await admin('GET', '/resources?search=constructor');
      const revealed = await admin('GET', '/resources/constructor/roles/toString/credentials');

      // Assess
      expect(created.status).toBe(201);
      expect(fetched.status).toBe(200);
      const resource = fetched.body as Resource;
      expect(resource.env_vars).toEqual(special);
      expect(resource.roles[0]).toMatchObject({ name: 'toString', secret: { constructor: '*****' }, connection_tags: special });
      expect(created.body).toEqual(fetched.body);
      expect((listed.body as { items: Resource[] }).items).toEqual([fetched.body]);
      expect(revealed.body).toEqual({ role: 'toString', secret: { constructor: 's3cret' } });
    });
  });

  describe('env vars that hold credentials', () => {
    it('refuses a key with a control character, which slipped past the mask', async () => {
      const refused = await expectRefused(
        () => admin('POST', '/resources', { body: { name: 'newline', type: 'database', env_vars: { 'DB_PASSWORD\n': 'hunter2' } } }),
        400,
        /^invalid request body: /,
      );
      expect(refused.errors).toEqual([{ path: 'env_vars.DB_PASSWORD\n', message: 'env var name must not contain control characters' }]);
    });

    it('never shows a credential in an answer, whatever the key looks like', async () => {
      // Prepare
      const credentials = ['DB_PASSWORD ', 'db-password', 'DB.PASSWORD', 'envvar:DB_PASSWORD', 'Db_PaSsWoRd', 'DB_ＰＡＳＳＷＯＲＤ', 'dbPassword', 'API_TOKEN', 'PASS'];
      const shown = { HOST: 'db.internal', RDS_CLUSTER_ARN: 'arn:aws:rds:us-east-1:123456789012:cluster:demo', RDS_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:demo' };
      const envVars = { ...shown, ...Object.fromEntries(credentials.map((key, index) => [key, `plaintext-${index}`])) };
      const masked = { ...shown, ...Object.fromEntries(credentials.map((key) => [key, '*****'])) };

      // Act
      const created = await admin('POST', '/resources', { body: { name: 'masked', type: 'database', env_vars: envVars } });
      const readByAdmin = await admin('GET', '/resources/masked');
      const readByAuditor = await auditor('GET', '/resources/masked');
      const listedForAdmin = await admin('GET', '/resources?search=masked');
      const listedForAuditor = await auditor('GET', '/resources?search=masked');

      // Assess
      expect(created.status).toBe(201);
      for (const answer of [created, readByAdmin, readByAuditor, listedForAdmin, listedForAuditor]) {
        expect(answer.status).toBeLessThan(300);
        expect(JSON.stringify(answer.body)).not.toContain('plaintext-');
      }
      expect((readByAuditor.body as Resource).env_vars).toEqual(masked);
      expect((listedForAdmin.body as { items: Resource[] }).items.map((item) => item.env_vars)).toEqual([masked]);
    });
  });
});
