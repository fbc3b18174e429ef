import { TABLE_PRIVILEGES, type TablePrivilege } from './model';

/** The allow-list, in canonical order: the only privilege words that ever reach SQL. */
export const PRIVILEGES = [...TABLE_PRIVILEGES, 'CREATE', 'EXECUTE'] as const;
export type Privilege = (typeof PRIVILEGES)[number];

/**
 * What a privilege word may look like: ASCII letters, spaces around them allowed. Checked before
 * `toUpperCase`, which would also turn `ſelect` (long s) or `ınsert` (dotless i) into allowed words.
 */
export const PRIVILEGE_WORD = /^\s*[A-Za-z]+\s*$/;

const isPrivilege = (word: string): word is Privilege => (PRIVILEGES as readonly string[]).includes(word);

/** The privilege a word names, ignoring ASCII case and surrounding spaces; undefined for any other word. */
export function privilegeOf(word: string): Privilege | undefined {
  if (!PRIVILEGE_WORD.test(word)) return undefined;
  const upper = word.trim().toUpperCase();
  return isPrivilege(upper) ? upper : undefined;
}

export interface PrivilegeSet {
  /** On every table of the scopes (tables, views, materialized views, foreign tables), now and later. */
  table: TablePrivilege[];
  /** CREATE on the scopes' schemas. */
  schemaCreate: boolean;
  /**
   * EXECUTE on every function and procedure of the scopes (`ALL ROUTINES`), now and later. Named
   * `routineExecute` in PlanConfig and the plan builder, which read this field.
   */
  routineExecute: boolean;
}

/** Splits allowed privileges by what they apply to, deduplicated, in the allow-list's order. */
export function splitPrivileges(privileges: readonly Privilege[]): PrivilegeSet {
  return {
    table: TABLE_PRIVILEGES.filter((name) => privileges.includes(name)),
    schemaCreate: privileges.includes('CREATE'),
    routineExecute: privileges.includes('EXECUTE'),
  };
}
