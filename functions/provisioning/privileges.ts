import { TABLE_PRIVILEGES, type TablePrivilege } from './model';

/** The allow-list: the only privilege words that ever reach SQL. */
export const PRIVILEGES = [...TABLE_PRIVILEGES, 'CREATE', 'EXECUTE'] as const;
export type Privilege = (typeof PRIVILEGES)[number];

export interface PrivilegeSet {
  /** On every table of the scopes, now and later. */
  table: TablePrivilege[];
  /** CREATE on the scopes' schemas. */
  schemaCreate: boolean;
  /** EXECUTE on every routine of the scopes. */
  routineExecute: boolean;
}

/** Splits validated privileges by what they apply to, deduplicated, in the allow-list's order. */
export function splitPrivileges(privileges: readonly Privilege[]): PrivilegeSet {
  return {
    table: TABLE_PRIVILEGES.filter((name) => privileges.includes(name)),
    schemaCreate: privileges.includes('CREATE'),
    routineExecute: privileges.includes('EXECUTE'),
  };
}
