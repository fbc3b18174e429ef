import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  normalizePrivileges,
  PRIVILEGES,
  splitPrivileges,
  UnknownPrivilegeError,
} from '../../../functions/core/postgres/privileges';

/** A privilege word in a random mix of upper and lower case, sometimes with spaces around it. */
const anyCase = fc
  .tuple(
    fc.constantFrom(...PRIVILEGES),
    fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
    fc.constantFrom('', ' ', '\t'),
  )
  .map(
    ([word, upper, pad]) =>
      `${pad}${[...word].map((char, i) => (upper[i] ? char : char.toLowerCase())).join('')}${pad}`,
  );

describe('normalizePrivileges', () => {
  it('keeps the allow-list order, each word once, whatever the case and order given', () => {
    // Act
    const privileges = normalizePrivileges(['execute', 'Select', 'SELECT', ' create ', 'trigger', 'insert']);

    // Assess
    expect(privileges).toEqual(['SELECT', 'INSERT', 'TRIGGER', 'CREATE', 'EXECUTE']);
  });

  it('is the sorted, deduplicated upper-case set for any mix of known words', () => {
    fc.assert(
      fc.property(fc.array(anyCase, { maxLength: 20 }), (input) => {
        // Act
        const privileges = normalizePrivileges(input);

        // Assess
        const expected = PRIVILEGES.filter((name) =>
          input.some((word) => word.trim().toUpperCase() === name),
        );
        expect(privileges).toEqual(expected);
        expect(normalizePrivileges(privileges)).toEqual(privileges);
      }),
    );
  });

  it('refuses unknown words with a 400 that lists each of them once', () => {
    // Act
    let error: unknown;
    try {
      normalizePrivileges(['SELECT', 'ALL', 'usage', 'ALL', 'DROP TABLE x; --']);
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(UnknownPrivilegeError);
    expect(error).toMatchObject({ unknown: ['ALL', 'usage', 'DROP TABLE x; --'] });
    expect((error as Error).message).toBe(
      'unknown privileges: "ALL", "usage", "DROP TABLE x; --"; allowed: SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER, CREATE, EXECUTE',
    );
  });

  it.each([
    ['long s', 'ſelect'],
    ['dotless i', 'ınsert'],
    ['inner space', 'SEL ECT'],
    ['empty', ''],
    ['a plural', 'SELECTS'],
  ])('matches ASCII case only: refuses %s (%j)', (_, word) => {
    expect(() => normalizePrivileges([word])).toThrow(UnknownPrivilegeError);
  });

  it('repeats a bounded part of the input in its error', () => {
    // Prepare
    const many = Array.from({ length: 15 }, (_, i) => `${'W'.repeat(100)}${i}`);

    // Act + Assess
    expect(() => normalizePrivileges(many)).toThrow(
      /^unknown privileges: ("W{32}", ){9}"W{32}" and 5 more; allowed: /,
    );
  });

  it('accepts an empty list (external roles have none)', () => {
    expect(normalizePrivileges([])).toEqual([]);
  });
});

describe('splitPrivileges', () => {
  it('splits table privileges from schema CREATE and routine EXECUTE', () => {
    // Act
    const split = splitPrivileges(
      normalizePrivileges(['EXECUTE', 'delete', 'CREATE', 'select', 'REFERENCES']),
    );

    // Assess
    expect(split).toEqual({
      table: ['SELECT', 'DELETE', 'REFERENCES'],
      schemaCreate: true,
      routineExecute: true,
    });
  });

  it('has no CREATE or EXECUTE among the table privileges', () => {
    // Act
    const split = splitPrivileges([...PRIVILEGES]);

    // Assess: GRANT CREATE/EXECUTE ON ALL TABLES is invalid SQL (hoop's bug)
    expect(split.table).toEqual([
      'SELECT',
      'INSERT',
      'UPDATE',
      'DELETE',
      'TRUNCATE',
      'REFERENCES',
      'TRIGGER',
    ]);
    expect(splitPrivileges(['SELECT'])).toEqual({
      table: ['SELECT'],
      schemaCreate: false,
      routineExecute: false,
    });
  });
});
