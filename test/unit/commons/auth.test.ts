import { describe, expect, it } from 'vitest';
import { authorize, parseGroupsClaim, principalFromClaims } from '../../../functions/commons/http/auth';

describe('parseGroupsClaim', () => {
  it.each([
    ['[admin auditor]', ['admin', 'auditor']],
    ['["admin","auditor"]', ['admin', 'auditor']],
    ['admin,auditor', ['admin', 'auditor']],
    ['admin', ['admin']],
    ['[]', []],
    ['', []],
  ])('reads %j as %j', (claim, groups) => {
    expect(parseGroupsClaim(claim)).toEqual(groups);
  });

  it('reads a real array and ignores other types', () => {
    expect(parseGroupsClaim(['admin', ''])).toEqual(['admin']);
    expect(parseGroupsClaim(42)).toEqual([]);
    expect(parseGroupsClaim(undefined)).toEqual([]);
  });
});

describe('principalFromClaims', () => {
  it('takes the org and groups from the configured claim names', () => {
    // Act
    const principal = principalFromClaims({ sub: 'u1', email: 'u@x', tenant: 'acme', roles: '[admin]' }, 'tenant', 'roles');

    // Assess
    expect(principal).toEqual({ sub: 'u1', email: 'u@x', orgId: 'acme', groups: ['admin'] });
  });

  it('answers 401 without a subject and 403 without an org', () => {
    expect(() => principalFromClaims({ org_id: 'acme' }, 'org_id', 'groups')).toThrow(expect.objectContaining({ statusCode: 401 }));
    expect(() => principalFromClaims({ sub: 'u1' }, 'org_id', 'groups')).toThrow(expect.objectContaining({ statusCode: 403 }));
  });
});

describe('authorize', () => {
  const as = (groups: string[]) => ({ sub: 'u', email: undefined, orgId: 'o', groups });

  it.each([
    [['admin'], 'admin', true],
    [['auditor'], 'admin', false],
    [['auditor'], 'auditor', true],
    [['engineering'], 'auditor', false],
    [['engineering'], 'authenticated', true],
    [[], 'public', true],
  ] as const)('groups %j on %s access: allowed %s', (groups, access, allowed) => {
    const check = () => authorize(as([...groups]), access);
    if (allowed) expect(check).not.toThrow();
    else expect(check).toThrow(expect.objectContaining({ statusCode: 403 }));
  });
});
