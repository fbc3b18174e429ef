import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_AUDIENCE, loadOrCreateSigningKey, mintToken, verifyBearerToken } from '../../infra/local/jwt';
import { call, itemsOfOrg, newOrg, tokenFor } from '../support/api';

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decodeSegment = (segment: string) => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>;
const now = () => Math.floor(Date.now() / 1000);
const resourceBody = (name: string) => ({ name, type: 'database', env_vars: {} });

/** The local issuer's public key, as anyone can read it from the JWKS route. */
async function publishedJwk(): Promise<JWK> {
  const stack = inject('stack');
  const response = await fetch(new URL('/_local/.well-known/jwks.json', stack.api_url));
  const { keys } = (await response.json()) as { keys: JWK[] };
  if (!keys[0]) throw new Error('the JWKS has no key');
  return keys[0];
}

describe('groups claim', () => {
  it.each([
    ['["db admin"]', ['db admin']],
    ['["readers,admin"]', ['readers,admin']],
    ['["admin\\tx"]', ['admin\tx']],
    ['"admin,x" (one string)', 'admin,x'],
    ['[["admin"]]', [['admin']]],
    ['{"0":"admin"}', { 0: 'admin' }],
    ['["admin", 1]', ['admin', 1]],
  ])('%s is not admin: 403 and nothing written', async (_case, groups) => {
    // Prepare
    const org = newOrg('groups');
    const token = await tokenFor({ org }, { claims: { groups } });

    // Act
    const created = await call('POST', '/resources', { token, body: resourceBody('by-substring') });

    // Assess
    expect(created.status).toBe(403);
    expect(await itemsOfOrg(org)).toEqual([]);
  });

  it.each([
    ['["admin"]', ['admin']],
    ['"admin" (one string)', 'admin'],
    ['["engineering", "admin"]', ['engineering', 'admin']],
  ])('%s is admin: 201', async (_case, groups) => {
    // Prepare
    const org = newOrg('groups');
    const token = await tokenFor({ org }, { claims: { groups } });

    // Act
    const created = await call('POST', '/resources', { token, body: resourceBody('by-group') });

    // Assess
    expect(created.status).toBe(201);
    expect((await itemsOfOrg(org)).some((item) => item.sk === 'RESOURCE#by-group')).toBe(true);
  });

  it('lets ["auditor"] read the sessions of its org, and not ["db auditor"]', async () => {
    // Prepare: a reveal is an audit session.
    const org = newOrg('auditor');
    const admin = await tokenFor({ org, groups: ['admin'] });
    await call('POST', '/resources', {
      token: admin,
      body: { ...resourceBody('audited'), roles: [{ name: 'audited-ro', type: 'database', secret: { k: Buffer.from('v').toString('base64') } }] },
    });
    const revealed = await call('GET', '/resources/audited/roles/audited-ro/credentials', { token: admin });
    const auditor = await tokenFor({ org }, { claims: { groups: ['auditor'] } });
    const notAuditor = await tokenFor({ org }, { claims: { groups: ['db auditor'] } });

    // Act
    const asAuditor = await call<{ items: Array<{ sid: string }> }>('GET', '/sessions', { token: auditor });
    const asNotAuditor = await call('GET', '/sessions', { token: notAuditor });

    // Assess
    expect(revealed.status).toBe(200);
    expect(asAuditor.status).toBe(200);
    expect(asAuditor.body.items).toHaveLength(1);
    expect(asNotAuditor.status).toBe(403);
  });
});

describe('org claim', () => {
  /** The partitions the value could have ended up in, had it been turned into a string. */
  const partitionsOf = (value: unknown) => [...new Set([String(value), JSON.stringify(value), Array.isArray(value) ? `[${value.join(' ')}]` : ''])];

  it.each([
    ['null', null],
    ['""', ''],
    ['["a","b"]', ['a', 'b']],
    ['123', 123],
    ['{}', {}],
    ['300 characters', `o${randomUUID()}`.padEnd(300, 'x')],
    ['"a\\u0000b"', `a\u0000${randomUUID()}`],
  ])('%s: 403 naming the claim, and nothing written', async (_case, org) => {
    // Prepare
    const token = await tokenFor({ org: 'unused', groups: ['admin'] }, { claims: { org_id: org } });
    const name = `org-claim-${randomUUID()}`;

    // Act
    const created = await call<{ message: string }>('POST', '/resources', { token, body: resourceBody(name) });
    const listed = await call('GET', '/resources', { token });

    // Assess
    expect(created.status).toBe(403);
    expect(created.body.message).toContain('org_id claim');
    expect(listed.status).toBe(403);
    for (const partition of partitionsOf(org)) {
      expect((await itemsOfOrg(partition)).filter((item) => item.sk === `RESOURCE#${name}`)).toEqual([]);
    }
  });

  it('keeps an org of JSON null apart from the org "null"', async () => {
    // Prepare: each side names its own resource, so the test sees only what it did.
    const asNull = await tokenFor({ org: 'unused', groups: ['admin'] }, { claims: { org_id: null } });
    const asNullString = await tokenFor({ org: 'null', groups: ['admin'] });
    const mine = `null-string-${randomUUID()}`;
    const theirs = `json-null-${randomUUID()}`;
    const createdByString = await call('POST', '/resources', { token: asNullString, body: resourceBody(mine) });

    // Act
    const createdByNull = await call('POST', '/resources', { token: asNull, body: resourceBody(theirs) });
    const readByNull = await call('GET', `/resources/${mine}`, { token: asNull });
    const listedByNull = await call('GET', '/resources', { token: asNull });
    const readByString = await call('GET', `/resources/${theirs}`, { token: asNullString });

    // Assess
    expect(createdByString.status).toBe(201);
    expect(createdByNull.status).toBe(403);
    expect(readByNull.status).toBe(403);
    expect(listedByNull.status).toBe(403);
    expect(readByString.status).toBe(404);
    expect((await itemsOfOrg('null')).filter((item) => item.sk === `RESOURCE#${theirs}`)).toEqual([]);
  });
});

describe('tokens the JWT authorizer refuses', () => {
  let kid: string;

  beforeAll(async () => {
    kid = String((await publishedJwk()).kid);
  });

  /** A token's header and payload, changed and re-encoded, its signature kept or replaced. */
  function reencoded(token: string, change: { header?: Record<string, unknown>; payload?: Record<string, unknown>; signature?: string }) {
    const [header = '', payload = '', signature = ''] = token.split('.');
    return [
      change.header ? base64url({ ...decodeSegment(header), ...change.header }) : header,
      change.payload ? base64url({ ...decodeSegment(payload), ...change.payload }) : payload,
      change.signature ?? signature,
    ].join('.');
  }

  /** Each attack mints an admin token of its own org, so that "nothing written" is about it alone. */
  type Admin = { org: string; groups: string[] };
  const attacks: Array<[string, (admin: Admin) => Promise<string>]> = [
    [
      'ES256-signed, with the real kid',
      async (admin) => {
        const { privateKey } = await generateKeyPair('ES256');
        return tokenFor(admin, { signWith: { alg: 'ES256', key: privateKey } });
      },
    ],
    [
      'HS256-signed with the public key (PEM) as the secret',
      async (admin) => {
        const pem = await exportSPKI((await importJWK(await publishedJwk(), 'RS256')) as CryptoKey);
        return tokenFor(admin, { signWith: { alg: 'HS256', key: new TextEncoder().encode(pem) } });
      },
    ],
    [
      'HS256-signed with the JWKS entry as the secret',
      async (admin) => tokenFor(admin, { signWith: { alg: 'HS256', key: new TextEncoder().encode(JSON.stringify(await publishedJwk())) } }),
    ],
    ['alg none, no signature', async (admin) => reencoded(await tokenFor(admin), { header: { alg: 'none' }, signature: '' })],
    ['alg none, signature kept', async (admin) => reencoded(await tokenFor(admin), { header: { alg: 'none' } })],
    [
      'RS256-signed by another key under the real kid',
      async (admin) => {
        const { privateKey } = await generateKeyPair('RS256');
        return tokenFor(admin, { signWith: { alg: 'RS256', key: privateKey } });
      },
    ],
    ['an unknown kid', async (admin) => tokenFor(admin, { header: { kid: 'someone-else' } })],
    ['no kid', async (admin) => tokenFor(admin, { header: { kid: undefined } })],
    ['a wrong iss', async (admin) => tokenFor(admin, { claims: { iss: 'https://idp.attacker.example/' } })],
    ['no iss', async (admin) => tokenFor(admin, { claims: { iss: undefined } })],
    ['a wrong aud', async (admin) => tokenFor(admin, { claims: { aud: 'another-api' } })],
    ['no aud and a wrong client_id', async (admin) => tokenFor(admin, { claims: { aud: undefined, client_id: 'another-api' } })],
    ['no aud and no client_id', async (admin) => tokenFor(admin, { claims: { aud: undefined } })],
    ['no exp', async (admin) => tokenFor(admin, { claims: { exp: undefined } })],
    ['exp in the past', async (admin) => tokenFor(admin, { claims: { exp: now() - 60 } })],
    ['exp that is no number', async (admin) => tokenFor(admin, { claims: { exp: String(now() + 3600) } })],
    ['nbf in the future', async (admin) => tokenFor(admin, { claims: { nbf: now() + 3600 } })],
    ['iat a day ahead', async (admin) => tokenFor(admin, { claims: { iat: now() + 86_400 } })],
    [
      'a tampered payload (groups raised to admin)',
      async (admin) => reencoded(await tokenFor({ ...admin, groups: ['engineering'] }), { payload: { groups: ['admin'] } }),
    ],
  ];

  it.each(attacks)('%s: 401 and nothing written', async (_case, mint) => {
    // Prepare
    const org = newOrg('token');
    const token = await mint({ org, groups: ['admin'] });

    // Act
    const created = await call('POST', '/resources', { token, body: resourceBody('by-attack') });

    // Assess
    expect(created).toMatchObject({ status: 401, body: { message: 'Unauthorized' } });
    expect(await itemsOfOrg(org)).toEqual([]);
  });

  it('accepts a token without aud whose client_id is the audience, as API Gateway does', async () => {
    // Prepare
    const clientOrg = newOrg('client-id');
    const token = await tokenFor({ org: clientOrg, groups: ['admin'] }, { claims: { aud: undefined, client_id: LOCAL_AUDIENCE } });

    // Act
    const created = await call('POST', '/resources', { token, body: resourceBody('by-client-id') });

    // Assess
    expect(created.status).toBe(201);
    expect(decodeSegment(token.split('.')[1] ?? '')).not.toHaveProperty('aud');
  });

  it('accepts the token the attacks start from: RS256, signed by the local key under its kid', async () => {
    // Prepare
    const org = newOrg('token');
    const token = await tokenFor({ org, groups: ['admin'] });

    // Act
    const created = await call('POST', '/resources', { token, body: resourceBody('by-admin') });

    // Assess
    expect(created.status).toBe(201);
    expect(decodeSegment(token.split('.')[0] ?? '')).toEqual({ alg: 'RS256', kid });
  });

  it('publishes one RSA public key with its kid, alg and use, and nothing private', async () => {
    // Act
    const jwk = await publishedJwk();

    // Assess
    expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String), e: 'AQAB' });
    expect(Buffer.from(String(jwk.n), 'base64url').length * 8).toBe(2048);
    for (const part of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(jwk).not.toHaveProperty(part);
  });
});

describe('the local key file', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jwt-key-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces an ES256 key by a new RS256 key; tokens of the old key are refused', async () => {
    // Prepare: a key file as earlier versions wrote it, and a token it signed.
    const file = join(dir, 'jwt-key.json');
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const oldKey = {
      privateJwk: { ...(await exportJWK(privateKey)), alg: 'ES256', kid: 'local-1' },
      publicJwk: { ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'local-1', use: 'sig' },
    };
    writeFileSync(file, JSON.stringify(oldKey));
    const issuer = 'http://127.0.0.1:1/_local';
    const claims = { sub: 'u1', org: 'acme', groups: ['admin'] };
    const oldToken = await new SignJWT({ org_id: 'acme', groups: ['admin'] })
      .setProtectedHeader({ alg: 'ES256', kid: 'local-1' })
      .setSubject('u1')
      .setIssuer(issuer)
      .setAudience(LOCAL_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);

    // Act
    const key = await loadOrCreateSigningKey(file);
    const reloaded = await loadOrCreateSigningKey(file);

    // Assess
    expect(key.publicJwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(key.publicJwk.kid).not.toBe('local-1');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(key);
    expect(reloaded).toEqual(key);
    expect(await verifyBearerToken(key, issuer, `Bearer ${oldToken}`)).toBeUndefined();
    expect(await verifyBearerToken(key, issuer, `Bearer ${await mintToken(key, issuer, claims)}`)).toMatchObject({ sub: 'u1', groups: '[admin]' });
  });
});
