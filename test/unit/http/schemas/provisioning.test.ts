import { describe, expect, it } from 'vitest';
import { planRequest } from '../../../../functions/http/schemas/provisioning';

const issuesOf = (body: unknown) => {
  const parsed = planRequest().safeParse(body);
  return parsed.success ? [] : parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
};

describe('planRequest', () => {
  it('reads privileges by the core rule: any ASCII case, spaces around, in the order given', () => {
    // Act
    const parsed = planRequest().parse({ role: 'ro', privileges: [' select', 'Execute '], scopes: ['app'] });

    // Assess
    expect(parsed).toEqual({ role: 'ro', type: 'managed', privileges: ['SELECT', 'EXECUTE'], scopes: ['app'], rotate_password: false });
  });

  it.each([
    ['a word outside the allow-list', 'DROP'],
    ['a word the letters check would pass but toUpperCase would twist', 'ſelect'],
  ])('refuses %s on its own item, naming the allowed words', (_, word) => {
    // Act
    const issues = issuesOf({ role: 'ro', privileges: ['SELECT', word], scopes: ['app'] });

    // Assess
    expect(issues).toEqual([{ path: 'privileges.1', message: 'must be one of: SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER, CREATE, EXECUTE' }]);
  });

  it('refuses a scope, a role label and a source role by the core rules, with their messages', () => {
    // Act
    const scope = issuesOf({ role: 'ro', privileges: ['SELECT'], scopes: ['app.a.b'] });
    const label = issuesOf({ role: 'a:b', privileges: ['SELECT'], scopes: ['app'] });
    const source = issuesOf({ role: 'ext', type: 'external', source_role: 'x\u0000' });

    // Assess
    expect(scope).toEqual([{ path: 'scopes.0', message: 'invalid scope "app.a.b": use database or database.schema' }]);
    expect(label).toEqual([{ path: 'role', message: 'role must not contain ":"' }]);
    expect(source).toEqual([{ path: 'source_role', message: 'source_role must not contain NUL' }]);
  });
});
