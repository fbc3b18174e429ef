import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../functions/http/routes';
import { apiAs, itemsOfOrg, newOrg } from '../support/api';

type Api = Awaited<ReturnType<typeof apiAs>>;

interface ErrorBody {
  message: string;
  errors?: { path: string; message: string }[];
}

const valid = { name: 'valid-db', type: 'database', env_vars: {} };

describe('Resources API: bad input', () => {
  const org = newOrg('input');
  let admin: Api;

  beforeAll(async () => {
    admin = await apiAs({ org, groups: ['admin'] });
    // One resource with a role so that updates and role routes have something to hit.
    const seeded = await admin('POST', '/resources', { body: { name: 'seeded', type: 'database', env_vars: {}, roles: [{ name: 'seeded-role', type: 'database' }] } });
    expect(seeded.status).toBe(201);
  });

  const role = (settings: Record<string, unknown>) => ({ ...valid, roles: [{ name: 'r1', type: 'database', ...settings }] });

  const badRequests: {
    case: string;
    method: string;
    path: string;
    body?: unknown;
    rawBody?: string;
    status: number;
    message: RegExp;
    errorPath?: string;
    /** What the field error says, when it matters. */
    detail?: RegExp;
  }[] = [
    { case: 'bad JSON', method: 'POST', path: '/resources', rawBody: '{"name": "x",', status: 400, message: /not valid JSON/ },
    { case: 'no body', method: 'POST', path: '/resources', status: 400, message: /body is required/ },
    { case: 'a JSON array', method: 'POST', path: '/resources', body: [valid], status: 400, message: /invalid/i },
    { case: 'missing name', method: 'POST', path: '/resources', body: { type: 'database', env_vars: {} }, status: 400, message: /invalid/i, errorPath: 'name' },
    { case: 'missing env_vars', method: 'POST', path: '/resources', body: { name: 'x', type: 'database' }, status: 400, message: /invalid/i, errorPath: 'env_vars' },
    { case: 'name of the wrong type', method: 'POST', path: '/resources', body: { ...valid, name: 42 }, status: 400, message: /invalid/i, errorPath: 'name' },
    { case: 'env var of the wrong type', method: 'POST', path: '/resources', body: { ...valid, env_vars: { A: 1 } }, status: 400, message: /invalid/i, errorPath: 'env_vars.A' },
    { case: 'overlong name', method: 'POST', path: '/resources', body: { ...valid, name: 'n'.repeat(129) }, status: 400, message: /invalid/i, errorPath: 'name' },
    { case: 'name with a slash', method: 'POST', path: '/resources', body: { ...valid, name: 'a/b' }, status: 400, message: /invalid/i, errorPath: 'name' },
    { case: 'unknown role type', method: 'POST', path: '/resources', body: { ...valid, roles: [{ name: 'r1', type: 'ssh' }] }, status: 400, message: /invalid/i, errorPath: 'roles.0.type' },
    { case: 'bad uuid', method: 'POST', path: '/resources', body: { ...valid, agent_id: 'not-a-uuid' }, status: 400, message: /invalid/i, errorPath: 'agent_id' },
    {
      case: 'duplicate role names in one body',
      method: 'POST',
      path: '/resources',
      body: { ...valid, roles: [{ name: 'dup', type: 'database' }, { name: 'dup', type: 'database' }] },
      status: 400,
      message: /invalid/i,
      errorPath: 'roles.1.name',
    },
    { case: 'page_size 0', method: 'GET', path: '/resources?page_size=0', status: 400, message: /invalid/i, errorPath: 'page_size' },
    { case: 'page_size 101', method: 'GET', path: '/resources?page_size=101', status: 400, message: /invalid/i, errorPath: 'page_size' },
    { case: 'page_size not a number', method: 'GET', path: '/resources?page_size=ten', status: 400, message: /invalid/i, errorPath: 'page_size' },
    { case: 'forged next_token', method: 'GET', path: '/resources?next_token=bm9wZQ', status: 400, message: /invalid next_token/ },
    {
      case: 'next_token pointing at another listing',
      method: 'GET',
      path: `/resources?next_token=${Buffer.from(JSON.stringify({ v: 1, sk: 'SESSION#x' })).toString('base64url')}`,
      status: 400,
      message: /invalid next_token/,
    },
    { case: 'role with a negative count', method: 'POST', path: '/resources/seeded/roles', body: { name: 'neg', type: 'database', min_review_approvals: -1 }, status: 400, message: /invalid/i, errorPath: 'min_review_approvals' },
    { case: 'role update with a bad type', method: 'PUT', path: '/resources/seeded/roles/seeded-role', body: { type: 42 }, status: 400, message: /invalid/i, errorPath: 'type' },
    { case: 'update missing type', method: 'PUT', path: '/resources/seeded', body: { name: 'seeded', env_vars: {} }, status: 400, message: /invalid/i, errorPath: 'type' },
    { case: 'overlong name in the path', method: 'GET', path: `/resources/${'p'.repeat(129)}`, status: 400, message: /invalid/i, errorPath: 'name' },
    { case: 'role of another org', method: 'POST', path: '/resources/not-mine/roles', body: { name: 'r9', type: 'database' }, status: 404, message: /resource not found/ },
    // Names and keys: non-empty, valid Unicode, no control characters. A lone surrogate would collide
    // with every other once stored, and could never be addressed by URL.
    ...(
      [
        ['a lone surrogate', '\ud800', /valid Unicode/],
        ['a lone low surrogate', 'a\udfffb', /valid Unicode/],
        ['a NUL', 'a\u0000b', /control characters/],
        ['a newline', 'db\n', /control characters/],
        ['a C1 control character', 'db\u0085', /control characters/],
      ] as const
    ).flatMap(([what, text, detail]) => [
      { case: `a name with ${what}`, method: 'POST', path: '/resources', body: { ...valid, name: text }, errorPath: 'name', detail },
      { case: `a type with ${what}`, method: 'POST', path: '/resources', body: { ...valid, type: text }, errorPath: 'type', detail },
      { case: `a subtype with ${what}`, method: 'PUT', path: '/resources/seeded', body: { name: 'seeded', type: 'database', subtype: text, env_vars: {} }, errorPath: 'subtype', detail },
      { case: `a role name with ${what}`, method: 'POST', path: '/resources', body: { ...valid, roles: [{ name: text, type: 'database' }] }, errorPath: 'roles.0.name', detail },
      { case: `an env var name with ${what}`, method: 'POST', path: '/resources', body: { ...valid, env_vars: { [text]: 'v' } }, errorPath: `env_vars.${text}`, detail },
      { case: `a secret key with ${what}`, method: 'POST', path: '/resources/seeded/roles', body: { name: 'r2', type: 'database', secret: { [`envvar:${text}`]: 'cA==' } }, errorPath: `secret.envvar:${text}`, detail },
      { case: `a connection tag with ${what}`, method: 'PUT', path: '/resources/seeded/roles/seeded-role', body: { type: 'database', connection_tags: { [text]: 'v' } }, errorPath: `connection_tags.${text}`, detail },
      { case: `a reviewer with ${what}`, method: 'POST', path: '/resources', body: role({ reviewers: ['dba', text] }), errorPath: 'roles.0.reviewers.1', detail },
      { case: `a role subtype with ${what}`, method: 'POST', path: '/resources/seeded/roles', body: { name: 'r3', type: 'database', subtype: text }, errorPath: 'subtype', detail },
      { case: `a default_database with ${what}`, method: 'POST', path: '/resources', body: role({ default_database: text }), errorPath: 'roles.0.default_database', detail },
    ]).map((row) => ({ ...row, status: 400, message: /invalid request body/ })),
    ...[
      ['a NUL', 'a%00b'],
      ['a newline', 'a%0Ab'],
      ['a C1 control character', '%C2%85'],
    ].flatMap(([what, segment]) => [
      { case: `a resource name in the path with ${what}`, method: 'GET', path: `/resources/${segment}`, status: 400, message: /invalid path parameters/, errorPath: 'name', detail: /control characters/ },
      { case: `a role name in the path with ${what}`, method: 'DELETE', path: `/resources/seeded/roles/${segment}`, status: 400, message: /invalid path parameters/, errorPath: 'role', detail: /control characters/ },
    ]),
    // An empty key reached DynamoDB as an empty attribute name: a 500.
    { case: 'an empty connection tag in a create', method: 'POST', path: '/resources', body: role({ connection_tags: { '': 'x' } }), status: 400, message: /invalid/, errorPath: 'roles.0.connection_tags.', detail: /must not be empty/ },
    { case: 'an empty connection tag in a role create', method: 'POST', path: '/resources/seeded/roles', body: { name: 'r4', type: 'database', connection_tags: { '': 'x' } }, status: 400, message: /invalid/, errorPath: 'connection_tags.', detail: /must not be empty/ },
    { case: 'an empty connection tag in a role update', method: 'PUT', path: '/resources/seeded/roles/seeded-role', body: { type: 'database', connection_tags: { '': 'x' } }, status: 400, message: /invalid/, errorPath: 'connection_tags.', detail: /must not be empty/ },
    { case: 'an empty env var name', method: 'POST', path: '/resources', body: { ...valid, env_vars: { '': 'x' } }, status: 400, message: /invalid/, errorPath: 'env_vars.', detail: /must not be empty/ },
    // JSON.parse keeps a "__proto__" key; zod (like any plain object) would silently drop it.
    ...(
      [
        ['env_vars', 'POST', '/resources', '{"name": "p1", "type": "database", "env_vars": {"A": "1", "__proto__": "x"}}', 'env_vars.__proto__'],
        ['secret', 'POST', '/resources/seeded/roles', '{"name": "p2", "type": "database", "secret": {"__proto__": "cA=="}}', 'secret.__proto__'],
        ['connection_tags', 'PUT', '/resources/seeded/roles/seeded-role', '{"type": "database", "connection_tags": {"__proto__": {"polluted": true}}}', 'connection_tags.__proto__'],
      ] as const
    ).map(([record, method, path, rawBody, errorPath]) => ({
      case: `a "__proto__" key in ${record}`,
      method,
      path,
      rawBody,
      status: 400,
      message: /invalid request body/,
      errorPath,
      detail: /must not be "__proto__"/,
    })),
  ];

  it.each(badRequests)('$case → $status with the error shape, and nothing written', async (bad) => {
    // Prepare
    const before = await itemsOfOrg(org);

    // Act
    const answer = await admin(bad.method, bad.path, { body: bad.body, rawBody: bad.rawBody });

    // Assess
    expect(answer.status).toBe(bad.status);
    const body = answer.body as ErrorBody;
    expect(body.message).toMatch(bad.message);
    if (bad.errorPath) expect(body.errors?.map((error) => error.path)).toContain(bad.errorPath);
    if (bad.detail) expect(body.errors?.find((error) => error.path === bad.errorPath)?.message).toMatch(bad.detail);
    for (const error of body.errors ?? []) expect(error.message.length).toBeGreaterThan(0);
    expect(await itemsOfOrg(org)).toEqual(before);
  });

  it('writes nothing of a create whose second role collides with an existing role', async () => {
    // Prepare
    const before = await itemsOfOrg(org);

    // Act
    const answer = await admin('POST', '/resources', {
      body: { name: 'half-made', type: 'database', env_vars: {}, roles: [{ name: 'fresh-role', type: 'database' }, { name: 'seeded-role', type: 'database' }] },
    });

    // Assess
    expect(answer).toMatchObject({ status: 409, body: { message: 'role name already exists: seeded-role' } });
    expect(await itemsOfOrg(org)).toEqual(before);
    expect((await admin('GET', '/resources/half-made')).status).toBe(404);
    expect((await admin('POST', '/resources', { body: { name: 'other', type: 'database', env_vars: {}, roles: [{ name: 'fresh-role', type: 'database' }] } })).status).toBe(201);
  });

  it('never answers 5xx to random bodies on any endpoint, hostile names, keys and paths included', async () => {
    // Prepare
    const writable = routes.filter((route) => route.path.startsWith('/api/resources'));
    // Names and keys of the kinds that once reached DynamoDB or PostgreSQL: lone surrogates, NUL and
    // other control characters, keys an object treats specially, empty keys.
    const hostileText = fc.string({ unit: fc.constantFrom('a', 'Z', '7', '_', '-', '.', ' ', '/', '%', '\ud800', '\udfff', '\u0000', '\n', '\u0085', '\u200b', 'Ｐ'), maxLength: 12 });
    const name = fc.oneof(fc.string(), hostileText);
    const key = fc.oneof(fc.string(), hostileText, fc.constantFrom('', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'DB_PASSWORD\n'));
    const record = fc.dictionary(key, fc.oneof(fc.string(), fc.jsonValue()), { maxKeys: 5 });
    const role = fc.record(
      { name, type: fc.constantFrom('database', 'application', 'custom', 'x'), subtype: name, secret: record, connection_tags: record, reviewers: fc.array(name, { maxLength: 2 }) },
      { requiredKeys: [] },
    );
    const json = fc.oneof(
      fc.jsonValue(),
      fc.record({ name, type: name, subtype: name, env_vars: record, roles: fc.array(fc.oneof(role, fc.jsonValue()), { maxLength: 3 }) }, { requiredKeys: [] }),
      role,
    );
    const raw = fc.oneof(json.map((value) => JSON.stringify(value) ?? 'null'), fc.string());
    const segment = fc.oneof(
      fc.string({ maxLength: 40 }).map((text) => encodeURIComponent(text)),
      fc.constantFrom('%', '%E0%A4%A', '%ED%A0%80', '%00', 'a%0Ab', '%C2%85', '%2F', '%25'),
    );

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...writable), raw, segment, async (route, body, segment) => {
        const path = route.path
          .replace(/^\/api/, '')
          .replace('{name}', segment || 'seeded')
          .replace('{role}', segment || 'seeded-role');
        const answer = await admin(route.method, path, route.method === 'GET' || route.method === 'DELETE' ? {} : { rawBody: body });
        expect(answer.status, `${route.method} ${path} ${body}`).toBeLessThan(500);
        expect(typeof (answer.body as ErrorBody | undefined)?.message === 'string' || answer.status < 400).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});

describe('Resources API: concurrency and pagination', () => {
  const org = newOrg('load');
  let admin: Api;

  beforeAll(async () => {
    admin = await apiAs({ org, groups: ['admin'] });
  });

  it('lets exactly one of 20 concurrent creates of the same name win', async () => {
    // Act
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) => admin('POST', '/resources', { body: { name: 'contended', type: 'database', env_vars: { N: String(index) }, roles: [{ name: `contended-${index}`, type: 'database' }] } })),
    );

    // Assess
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(19);
    const winner = answers.find((answer) => answer.status === 201)?.body as { roles: { name: string }[] };
    const roleItems = (await itemsOfOrg(org)).filter((item) => String(item.sk).startsWith('ROLE#contended-'));
    expect(roleItems.map((item) => item.sk)).toEqual([`ROLE#${winner.roles[0]?.name}`]);
  });

  it('accepts 50 concurrent creates of different names', async () => {
    // Act
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, index) => admin('POST', '/resources', { body: { name: `many-${String(index).padStart(2, '0')}`, type: 'database', env_vars: {} } })),
    );

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(201));
  });

  it('pages through every resource exactly once, also while resources are deleted in between', async () => {
    // Prepare: the 50 `many-*` resources and `contended` exist; one page at a time of 7.
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;

    // Act
    do {
      const query: string = `?page_size=7${token ? `&next_token=${encodeURIComponent(token)}` : ''}`;
      const page = await admin('GET', `/resources${query}`);
      expect(page.status).toBe(200);
      const body = page.body as { items: { name: string }[]; next_token: string | null };
      expect(body.items.length).toBeLessThanOrEqual(7);
      seen.push(...body.items.map((item) => item.name));
      // Deleting an item already read must not make the cursor skip an unread one.
      if (pages === 1) await admin('DELETE', `/resources/${encodeURIComponent(body.items[0]?.name ?? '')}`);
      token = body.next_token;
      pages++;
    } while (token);

    // Assess
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(51);
    expect(seen).toEqual([...seen].sort());
    expect(pages).toBe(Math.ceil(51 / 7));
  });

  it('searches name, type and subtype without dropping matches across pages', async () => {
    // Prepare
    await Promise.all([
      admin('POST', '/resources', { body: { name: 'Alpha-PG', type: 'database', subtype: 'postgres', env_vars: {} } }),
      admin('POST', '/resources', { body: { name: 'beta', type: 'database', subtype: 'PostgreSQL-15', env_vars: {} } }),
      admin('POST', '/resources', { body: { name: 'gamma', type: 'application', env_vars: {} } }),
    ]);

    // Act: page size 1 forces the search to read past many non-matching items per page.
    const names: string[] = [];
    let token: string | null = null;
    do {
      const query: string = `?search=POSTGRES&page_size=1${token ? `&next_token=${encodeURIComponent(token)}` : ''}`;
      const page = await admin('GET', `/resources${query}`);
      const body = page.body as { items: { name: string }[]; next_token: string | null };
      names.push(...body.items.map((item) => item.name));
      token = body.next_token;
    } while (token);
    const byType = await admin('GET', '/resources?search=applic');

    // Assess
    expect(names).toEqual(['Alpha-PG', 'beta']);
    expect((byType.body as { items: { name: string }[] }).items.map((item) => item.name)).toEqual(['gamma']);
  });
});
