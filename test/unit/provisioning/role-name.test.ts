import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateRoleName, roleLabelProblem } from '../../../functions/provisioning/role-name';

describe('generateRoleName', () => {
  it.each([
    ['my-postgres', 'ro', 'hoopdev_my_postgres_ro_4da1f169'],
    ['analytics', 'ro', 'hoopdev_analytics_ro_6075a443'],
    ['Prod.DB-01', 'Read Only', 'hoopdev_prod_db_01_read_only_f598035c'],
    ['---', 'ro', 'hoopdev_x_ro_5d35d33e'],
  ])('(%s, %s) → %s', (resource, label, expected) => {
    expect(generateRoleName(resource, label)).toBe(expected);
  });

  it('shortens only the resource part of a long name, to 63 bytes', () => {
    const name = generateRoleName('a'.repeat(80), 'rw');
    expect(name).toHaveLength(63);
    expect(name).toMatch(/^hoopdev_a+_rw_91b411b9$/);
  });

  it('always makes a valid, deterministic, at most 63-byte name', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 60 }), (resource, label) => {
        fc.pre(roleLabelProblem(label) === undefined);
        const name = generateRoleName(resource, label);
        expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
        expect(name).toMatch(/^hoopdev_[a-z0-9_]+_[0-9a-f]{8}$/);
        expect(generateRoleName(resource, label)).toBe(name);
      }),
    );
  });

  it('keeps apart names whose slugs are the same', () => {
    expect(generateRoleName('my-db', 'ro')).not.toBe(generateRoleName('my.db', 'ro'));
  });

  it.each(['', '---', '   ', 'é', 'r'.repeat(45)])('refuses the label %j with a 400', (label) => {
    expect(() => generateRoleName('db', label)).toThrow(expect.objectContaining({ statusCode: 400 }));
  });
});
