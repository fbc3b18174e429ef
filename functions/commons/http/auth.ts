import { ForbiddenError, UnauthorizedError } from '../errors';
import type { Access } from '../../routes';

/** The caller, as the JWT authorizer's claims describe them. */
export interface Principal {
  sub: string;
  email: string | undefined;
  orgId: string;
  groups: string[];
}

export type Claims = Record<string, string | number | boolean | string[] | undefined>;

/**
 * API Gateway's JWT authorizer passes an array claim as the string `[a b c]`; a token may also carry
 * a JSON array or a comma-separated string. All of them become a list of group names.
 */
export function parseGroupsClaim(value: Claims[string]): string[] {
  if (Array.isArray(value)) return value.map(String).filter(Boolean);
  if (typeof value !== 'string') return [];
  const text = value.trim();
  if (text.startsWith('[') && text.endsWith(']')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.map(String).filter(Boolean);
    } catch {
      // Not JSON: API Gateway's `[a b]` form, handled below.
    }
    return text.slice(1, -1).split(/[\s,]+/).filter(Boolean);
  }
  return text.split(/[\s,]+/).filter(Boolean);
}

export function principalFromClaims(claims: Claims | undefined, orgClaim: string, groupsClaim: string): Principal {
  if (!claims || typeof claims.sub !== 'string' || claims.sub === '') throw new UnauthorizedError();
  const org = claims[orgClaim];
  if (typeof org !== 'string' || org === '') throw new ForbiddenError(`token has no ${orgClaim} claim`);
  return {
    sub: claims.sub,
    email: typeof claims.email === 'string' ? claims.email : undefined,
    orgId: org,
    groups: parseGroupsClaim(claims[groupsClaim]),
  };
}

export const isAdmin = (principal: Principal) => principal.groups.includes('admin');
export const isAuditor = (principal: Principal) => principal.groups.includes('auditor');

/** Admin may do everything, auditor may read everything, anyone else may read resources. */
export function authorize(principal: Principal, access: Access): void {
  const allowed =
    access === 'public' ||
    access === 'authenticated' ||
    isAdmin(principal) ||
    (access === 'auditor' && isAuditor(principal));
  if (!allowed) throw new ForbiddenError();
}
