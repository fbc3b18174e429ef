import { afterEach, describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../../functions/core/errors';
import { UnauthorizedError } from '../../../functions/http/errors';
import { loadConfig } from '../../../functions/adapters/config';
import {
  type AuthorizedRequest,
  authorize,
  type ClaimSettings,
  type GroupSettings,
  MAX_ORG_ID_LENGTH,
  parseGroupsClaim,
  parseOrgClaim,
  principalFromRequest,
  principalOf,
} from '../../../functions/http/auth';

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token as API Gateway passes it on: its signature was checked upstream, so any will do here. */
const tokenWith = (payload: Record<string, unknown>) => `${base64url({ alg: 'RS256', kid: 'k1' })}.${base64url(payload)}.c2lnbmF0dXJl`;

/** An event whose authorizer verified `verifiedSub` (null: none) and whose Authorization header is `authorization`. */
function requestWith(authorization: string | undefined, verifiedSub: string | null = 'u1'): AuthorizedRequest {
  return {
    headers: authorization === undefined ? {} : { authorization },
    requestContext: { authorizer: { jwt: { claims: verifiedSub === null ? {} : { sub: verifiedSub } } } },
  };
}

const settings: ClaimSettings & GroupSettings = { orgClaim: 'org_id', groupsClaim: 'groups', orgIdPattern: undefined, adminGroup: 'admin', auditorGroup: 'auditor' };

describe('parseGroupsClaim', () => {
  it.each([
    [['admin', 'auditor'], ['admin', 'auditor']],
    [['db admin'], ['db admin']],
    [['readers,admin'], ['readers,admin']],
    [['admin\tx'], ['admin\tx']],
    [[], []],
    ['admin', ['admin']],
    ['admin,x', ['admin,x']],
    ['[admin auditor]', ['[admin auditor]']],
    ['["admin"]', ['["admin"]']],
  ])('reads %j as exactly %j', (claim, groups) => {
    // Act
    const parsed = parseGroupsClaim(claim);

    // Assess
    expect(parsed).toEqual(groups);
  });

  it.each([[[['admin']]], [{ 0: 'admin' }], [['admin', 1]], [['admin', null]], [42], [true], [null], [undefined]])('reads %j as no groups', (claim) => {
    // Act
    const parsed = parseGroupsClaim(claim);

    // Assess
    expect(parsed).toEqual([]);
  });
});

describe('parseOrgClaim', () => {
  it.each(['acme', 'null', 'a'.repeat(MAX_ORG_ID_LENGTH), 'org with spaces', 'ünïcødé'])('accepts %j', (org) => {
    expect(parseOrgClaim(org, 'org_id', undefined)).toBe(org);
  });

  it.each([
    [null],
    [''],
    [['a', 'b']],
    [123],
    [{}],
    [true],
    [undefined],
    ['a'.repeat(MAX_ORG_ID_LENGTH + 1)],
    ['a\u0000b'],
    ['a\nb'],
    ['a\u007fb'],
    ['a\u0085b'],
    ['a\ud800b'],
  ])('refuses %j with a 403 that names the claim', (org) => {
    // Act
    const parse = () => parseOrgClaim(org, 'tenant', undefined);

    // Assess
    expect(parse).toThrow(expect.objectContaining({ name: 'ForbiddenError', message: expect.stringContaining('tenant claim') }));
  });

  afterEach(() => {
    delete process.env.ORG_ID_PATTERN;
  });

  it('narrows the value with ORG_ID_PATTERN, which must match all of it', () => {
    // Prepare: an alternation, which anchoring must not split.
    process.env.ORG_ID_PATTERN = 'org-[a-z0-9-]+|team-[a-z]+';
    const pattern = loadConfig().orgIdPattern;

    // Act
    const refuse = (org: string) => () => parseOrgClaim(org, 'org_id', pattern);

    // Assess
    expect(parseOrgClaim('org-acme', 'org_id', pattern)).toBe('org-acme');
    expect(refuse('xorg-acme')).toThrow(expect.objectContaining({ name: 'ForbiddenError', message: expect.stringContaining('org_id claim') }));
    expect(refuse('org-acme x')).toThrow(ForbiddenError);
    expect(refuse('ORG-acme')).toThrow(ForbiddenError);
    expect(parseOrgClaim('team-db', 'org_id', pattern)).toBe('team-db');
    expect(refuse('org-acme!team-db')).toThrow(ForbiddenError);
    expect(refuse('xteam-db')).toThrow(ForbiddenError);
  });

  it('has no pattern unless ORG_ID_PATTERN is set', () => {
    expect(loadConfig().orgIdPattern).toBeUndefined();
  });
});

describe('principalFromRequest', () => {
  it('reads the claims from the token itself, under the configured names', () => {
    // Prepare: the authorizer's flattened claims say something else; the token decides.
    const token = tokenWith({ sub: 'u1', email: 'u@x', tenant: 'acme', roles: ['db admin'] });
    const request = requestWith(`Bearer ${token}`);
    request.requestContext.authorizer = { jwt: { claims: { sub: 'u1', tenant: 'other', roles: '[db admin]' } } };

    // Act
    const principal = principalFromRequest(request, { ...settings, orgClaim: 'tenant', groupsClaim: 'roles' });

    // Assess
    expect(principal).toEqual({ sub: 'u1', email: 'u@x', orgId: 'acme', groups: ['db admin'], admin: false, auditor: false });
  });

  it('takes the token with or without the Bearer prefix, as API Gateway does', () => {
    // Prepare
    const token = tokenWith({ sub: 'u1', org_id: 'acme', groups: 'admin' });

    // Act
    const principals = [`Bearer ${token}`, `bearer ${token}`, token].map((header) => principalFromRequest(requestWith(header), settings));

    // Assess
    for (const principal of principals) expect(principal).toMatchObject({ orgId: 'acme', groups: ['admin'] });
  });

  it.each([
    ['no Authorization header', undefined, 'u1'],
    ['a header that is no JWT', 'Bearer not-a-jwt', 'u1'],
    ['a payload that is not JSON', `Bearer ${base64url({ alg: 'RS256' })}.bm90IGpzb24.c2ln`, 'u1'],
    ['two tokens', `Bearer ${tokenWith({ sub: 'u1', org_id: 'a' })} ${tokenWith({ sub: 'u1', org_id: 'a' })}`, 'u1'],
    ['a sub other than the one the authorizer verified', `Bearer ${tokenWith({ sub: 'u2', org_id: 'acme' })}`, 'u1'],
    ['no sub verified by the authorizer', `Bearer ${tokenWith({ sub: 'u1', org_id: 'acme' })}`, null],
    ['no sub in the token', `Bearer ${tokenWith({ org_id: 'acme' })}`, 'u1'],
    ['a sub that is not a string', `Bearer ${tokenWith({ sub: 1, org_id: 'acme' })}`, '1'],
  ])('answers 401 to %s', (_case, authorization, verifiedSub) => {
    // Act
    const read = () => principalFromRequest(requestWith(authorization, verifiedSub), settings);

    // Assess
    expect(read).toThrow(UnauthorizedError);
  });

  it.each([[null], [''], [['a', 'b']], [123], [{}], ['a\u0000b']])('answers 403 to the org claim %j', (org) => {
    // Prepare
    const request = requestWith(`Bearer ${tokenWith({ sub: 'u1', org_id: org, groups: ['admin'] })}`);

    // Act
    const read = () => principalFromRequest(request, settings);

    // Assess
    expect(read).toThrow(expect.objectContaining({ name: 'ForbiddenError', message: expect.stringContaining('org_id claim') }));
  });

  it('answers 403 when the org claim is missing', () => {
    expect(() => principalFromRequest(requestWith(`Bearer ${tokenWith({ sub: 'u1' })}`), settings)).toThrow(
      ForbiddenError,
    );
  });
});

describe('authorize', () => {
  const as = (groups: string[], names: GroupSettings = settings) => principalOf({ sub: 'u', email: undefined, orgId: 'o', groups }, names);

  it.each([
    [['admin'], 'admin', true],
    [['auditor'], 'admin', false],
    [['auditor'], 'auditor', true],
    [['engineering'], 'auditor', false],
    [['engineering'], 'authenticated', true],
    [[], 'public', true],
    [['db admin'], 'admin', false],
    [['readers,admin'], 'admin', false],
    [['admin\tx'], 'admin', false],
    [['Admin'], 'admin', false],
    [['db auditor'], 'auditor', false],
    [['engineering', 'admin'], 'admin', true],
  ] as const)('groups %j on %s access: allowed %s', (groups, access, allowed) => {
    // Act
    const check = () => authorize(as([...groups]), access);

    // Assess
    if (allowed) expect(check).not.toThrow();
    else expect(check).toThrow(ForbiddenError);
  });

  it('uses the configured admin and auditor group names', () => {
    // Prepare
    const groups = { adminGroup: 'db-admins', auditorGroup: 'db-auditors' };

    // Act
    const check = (member: string[], access: 'admin' | 'auditor') => () => authorize(as(member, groups), access);

    // Assess
    expect(check(['db-admins'], 'admin')).not.toThrow();
    expect(check(['admin'], 'admin')).toThrow(ForbiddenError);
    expect(check(['db-auditors'], 'auditor')).not.toThrow();
    expect(check(['auditor'], 'auditor')).toThrow(ForbiddenError);
    expect(as(['db-admins'], groups).admin).toBe(true);
    expect(as(['auditor'], groups).auditor).toBe(false);
  });
});
