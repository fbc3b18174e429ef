import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PRIVILEGES, privilegeOf, splitPrivileges } from '../../../../functions/core/postgres/privileges';

/** A privilege word in a random mix of upper and lower case, sometimes with spaces around it. */
const anyCase = fc
  .tuple(fc.constantFrom(...PRIVILEGES), fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }), fc.constantFrom('', ' ', '\t'))
  .map(([word, upper, pad]) => ({ word, written: `${pad}${[...word].map((char, i) => (upper[i] ? char : char.toLowerCase())).join('')}${pad}` }));

describe('privilegeOf', () => {
  it('reads every allowed word whatever its ASCII case and the spaces around it', () => {
    fc.assert(
      fc.property(anyCase, ({ word, written }) => {
        // Act
        const privilege = privilegeOf(written);

        // Assess
        expect(privilege).toBe(word);
      }),
    );
  });

  it.each([
    ['a word outside the allow-list', 'ALL'],
    ['USAGE, which plans grant themselves', 'usage'],
    ['SQL after a word', 'DROP TABLE x; --'],
    ['long s', 'ſelect'],
    ['dotless i', 'ınsert'],
    ['inner space', 'SEL ECT'],
    ['empty', ''],
    ['a plural', 'SELECTS'],
  ])('refuses %s (%j)', (_, word) => {
    // Act
    const privilege = privilegeOf(word);

    // Assess
    expect(privilege).toBeUndefined();
  });
});

describe('splitPrivileges', () => {
  it('splits table privileges from schema CREATE and routine EXECUTE, in canonical order, each once', () => {
    // Act
    const split = splitPrivileges(['EXECUTE', 'DELETE', 'CREATE', 'SELECT', 'REFERENCES', 'SELECT']);

    // Assess
    expect(split).toEqual({ table: ['SELECT', 'DELETE', 'REFERENCES'], schemaCreate: true, routineExecute: true });
  });

  it('has no CREATE or EXECUTE among the table privileges', () => {
    // Act
    const split = splitPrivileges([...PRIVILEGES]);

    // Assess: GRANT CREATE/EXECUTE ON ALL TABLES is invalid SQL (hoop's bug)
    expect(split.table).toEqual(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']);
    expect(splitPrivileges(['SELECT'])).toEqual({ table: ['SELECT'], schemaCreate: false, routineExecute: false });
  });

  it('gives an external role, which asks for none, nothing', () => {
    // Act
    const split = splitPrivileges([]);

    // Assess
    expect(split).toEqual({ table: [], schemaCreate: false, routineExecute: false });
  });
});
