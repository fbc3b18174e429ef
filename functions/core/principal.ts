/**
 * The caller of a use case. The HTTP layer builds it from a verified token and decides, once, from
 * the deployment's group names, whether the caller is an admin or an auditor; the core only reads it.
 */
export interface Principal {
  sub: string;
  email: string | undefined;
  orgId: string;
  groups: string[];
  /** A member of the configured admin group: may do everything. */
  admin: boolean;
  /** A member of the configured auditor group: may read everything, including the audit trail. */
  auditor: boolean;
}
