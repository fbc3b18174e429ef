import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  generateRoleName,
  InvalidRoleLabelError,
  MAX_LABEL_SLUG,
  roleLabelProblem,
  slugify,
} from '../../../../functions/core/postgres/role-name';

const ROLE_NAME = /^hoopdev_[a-z0-9_]+_[0-9a-f]{8}$/;

/** Words that slug to themselves, joined by any separator run: the slug is the words joined by `_`. */
const word = fc.stringMatching(/^[a-z0-9]{1,6}$/);
const separator = fc.constantFrom('-', '.', ' ', '_', '--', ' - ', '/', '+');

describe('generateRoleName', () => {
  it.each([
    ['my-postgres', 'ro', 'hoopdev_my_postgres_ro_4da1f169'],
    ['analytics', 'ro', 'hoopdev_analytics_ro_6075a443'],
    ['Prod.DB-01', 'Read Only', 'hoopdev_prod_db_01_read_only_f598035c'],
    ['---', 'ro', 'hoopdev_x_ro_5d35d33e'],
  ])('(%s, %s) → %s', (resource, label, expected) => {
    // Act
    const name = generateRoleName(resource, label);

    // Assess
    expect(name).toBe(expected);
  });

  it('shortens only the resource part of a long name, to exactly 63 bytes', () => {
    // Act
    const name = generateRoleName('a'.repeat(80), 'rw');

    // Assess: the vector of hoop-reference §2.4
    expect(name).toBe(`hoopdev_${'a'.repeat(43)}_rw_91b411b9`);
    expect(Buffer.byteLength(name)).toBe(63);
  });

  it('leaves no "__" where the resource part is cut at a separator', () => {
    // Prepare: the cut after 43 characters falls right after the "-" (slug "_")
    const resource = `${'a'.repeat(42)}-bbbb`;

    // Act
    const name = generateRoleName(resource, 'rw');

    // Assess
    expect(name).toMatch(/^hoopdev_a{42}_rw_[0-9a-f]{8}$/);
  });

  it('takes a label of 44 slug characters, leaving one for the resource', () => {
    // Prepare
    const label = 'l'.repeat(MAX_LABEL_SLUG);

    // Act
    const name = generateRoleName('orders', label);

    // Assess
    expect(MAX_LABEL_SLUG).toBe(44);
    expect(name).toMatch(/^hoopdev_o_l{44}_[0-9a-f]{8}$/);
    expect(Buffer.byteLength(name)).toBe(63);
  });

  it('always makes a valid, deterministic, at most 63-byte name', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200, unit: 'binary' }),
        fc.string({ maxLength: 60 }),
        (resource, label) => {
          // Prepare
          fc.pre(roleLabelProblem(label) === undefined);

          // Act
          const name = generateRoleName(resource, label);

          // Assess
          expect(Buffer.byteLength(name, 'utf8')).toBeLessThanOrEqual(63);
          expect(name).toMatch(ROLE_NAME);
          expect(name).toContain(`_${slugify(label)}_`);
          expect(generateRoleName(resource, label)).toBe(name);
        },
      ),
    );
  });

  it('keeps apart different (resource, label) pairs whose slugs are the same', () => {
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 4 }),
        fc.array(word, { minLength: 1, maxLength: 3 }),
        fc.array(separator, { minLength: 6, maxLength: 6 }),
        fc.array(separator, { minLength: 6, maxLength: 6 }),
        (resourceWords, labelWords, separatorsA, separatorsB) => {
          // Prepare: two spellings of the same words
          const spell = (words: string[], separators: string[]) =>
            words.map((w, i) => (i === 0 ? w : `${separators[i]}${w}`)).join('');
          const a = {
            resource: spell(resourceWords, separatorsA),
            label: spell(labelWords, separatorsA.slice(3)),
          };
          const b = {
            resource: spell(resourceWords, separatorsB),
            label: spell(labelWords, separatorsB.slice(3)),
          };
          fc.pre(a.resource !== b.resource || a.label !== b.label);

          // Act
          const nameA = generateRoleName(a.resource, a.label);
          const nameB = generateRoleName(b.resource, b.label);

          // Assess: same slugs, so only the hash tells them apart (a 2^-32 chance of a clash)
          expect(nameA.slice(0, -9)).toBe(nameB.slice(0, -9));
          expect(nameA).not.toBe(nameB);
        },
      ),
    );
  });

  it.each(['', '---', '   ', 'é', '日本', 'r'.repeat(45), 'ab-'.repeat(16)])(
    'refuses the label %j with a 400',
    (label) => {
      // Act
      const act = () => generateRoleName('db', label);

      // Assess
      expect(act).toThrow(InvalidRoleLabelError);
      expect(act).toThrow(
        expect.objectContaining({ errors: [expect.objectContaining({ path: 'role' })] }),
      );
    },
  );
});

describe('slugify', () => {
  it.each([
    ['My--Postgres__DB', 'my_postgres_db'],
    ['__a__', 'a'],
    ['Prod.DB-01', 'prod_db_01'],
    ['ÀB', 'b'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(slugify(input)).toBe(expected);
  });
});

describe('labels with a colon', () => {
  it('are refused, so that the hashed "resource:label" cannot be read two ways', () => {
    expect(() => generateRoleName('a', 'b:c')).toThrow(expect.objectContaining({ name: 'InvalidRoleLabelError', message: 'role must not contain ":"' }));
    expect(generateRoleName('a:b', 'c')).not.toBe(generateRoleName('a', 'bc'));
  });
});
