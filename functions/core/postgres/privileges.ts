import { InvalidInputError } from '../errors';
import { TABLE_PRIVILEGES, type TablePrivilege } from './model';

/** The allow-list, in canonical order: the only privilege words that ever reach SQL. */
export const PRIVILEGES = [...TABLE_PRIVILEGES, 'CREATE', 'EXECUTE'] as const;
export type Privilege = (typeof PRIVILEGES)[number];

/** How many unknown words an error repeats, and how much of each. */
const ECHO_WORDS = 10;
const ECHO_WORD_LENGTH = 32;

/** Privilege words outside the allow-list: a 400 that lists them. */
export class UnknownPrivilegeError extends InvalidInputError {
  readonly unknown: string[];

  constructor(unknown: string[]) {
    const shown = unknown.slice(0, ECHO_WORDS).map((word) => JSON.stringify(word.slice(0, ECHO_WORD_LENGTH)));
    const more = unknown.length > ECHO_WORDS ? ` and ${unknown.length - ECHO_WORDS} more` : '';
    const message = `unknown privileges: ${shown.join(', ')}${more}; allowed: ${PRIVILEGES.join(', ')}`;
    super(message, [{ path: 'privileges', message }]);
    this.unknown = unknown;
  }
}

const isPrivilege = (word: string): word is Privilege => (PRIVILEGES as readonly string[]).includes(word);

/**
 * The privileges asked for, in the allow-list's order, each once. Matching ignores ASCII case and
 * surrounding spaces only: the word is first checked to be ASCII letters, because `toUpperCase` would
 * also turn `ſelect` (long s) or `ınsert` (dotless i) into allowed words.
 */
export function normalizePrivileges(input: readonly string[]): Privilege[] {
  const wanted = new Set<Privilege>();
  const unknown: string[] = [];
  for (const raw of input) {
    const word = raw.trim();
    const upper = /^[A-Za-z]+$/.test(word) ? word.toUpperCase() : '';
    if (isPrivilege(upper)) wanted.add(upper);
    else if (!unknown.includes(raw)) unknown.push(raw);
  }
  if (unknown.length > 0) throw new UnknownPrivilegeError(unknown);
  return PRIVILEGES.filter((name) => wanted.has(name));
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
