import type { RoleAccess } from './model';
import { PlanFailedError } from './plan-failed';
import { sql } from './statements';

/**
 * Granting on an object, or setting default privileges for a role, takes the rights of the object's
 * owner (or of that role). On Aurora the provisioning user is the master, not a superuser: for a
 * role it is a member of, it has them; for a role it holds ADMIN OPTION on (every role it created),
 * it takes them for the length of the transaction and gives them back before the commit, so that no
 * membership is left behind; for any other role it cannot, and nothing may run.
 */
export class OwnerRights {
  /** Role → the objects whose statements need its rights, in the order first seen. */
  private readonly needed = new Map<string, string[]>();

  need(owner: string, what: string): void {
    const objects = this.needed.get(owner) ?? [];
    if (!objects.includes(what)) objects.push(what);
    this.needed.set(owner, objects);
  }

  /** The roles whose rights must be taken for the transaction, in name order. */
  toTake(access: Record<string, RoleAccess>): string[] {
    return [...this.needed.keys()].filter((owner) => access[owner] === 'admin').sort();
  }

  /** The roles the provisioning user cannot act for, with the objects that need them. */
  blocked(access: Record<string, RoleAccess>): Map<string, string[]> {
    return new Map([...this.needed].filter(([owner]) => (access[owner] ?? 'none') === 'none'));
  }
}

/** The statements of one transaction, between taking and giving back the roles' rights they need. */
export function withOwnerRights(statements: string[], owners: readonly string[]): string[] {
  if (statements.length === 0 || owners.length === 0) return statements;
  return [...owners.map((owner) => sql.takeRole(owner)), ...statements, ...owners.map((owner) => sql.giveBackRole(owner))];
}

/** Some roles' rights cannot be had: the plan fails (and a job's role) with this message, before anything runs. */
export class OwnerRightsError extends PlanFailedError {
  override name = 'OwnerRightsError';
}

const OBJECTS_SHOWN = 3;

/**
 * Refuses the work before anything runs when some roles' rights cannot be had: names each role, the
 * objects that need it, and the one statement an administrator can run to allow it.
 */
export function assertNoBlockedOwners(blocked: Map<string, string[]>, user: string): void {
  if (blocked.size === 0) return;
  const owners = [...blocked.keys()].sort();
  const described = owners.map((owner) => {
    const objects = blocked.get(owner) ?? [];
    const shown = objects.slice(0, OBJECTS_SHOWN).join(', ');
    return `"${owner}" (${objects.length > OBJECTS_SHOWN ? `${shown} and ${objects.length - OBJECTS_SHOWN} more` : shown})`;
  });
  throw new OwnerRightsError(
    `the provisioning user "${user}" cannot act for ${owners.length === 1 ? 'role' : 'roles'} ${described.join(', ')}: ` +
      `it is not a member and has no ADMIN OPTION; an administrator can allow it with: ${sql.allowActingFor(owners, user)}`,
  );
}
