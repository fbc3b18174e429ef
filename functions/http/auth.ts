import { decodeJwt, type JWTPayload } from 'jose';
import type { Access } from './routes';
import { config, type ServiceConfig } from '../adapters/config';
import { ForbiddenError } from '../core/errors';
import { UnauthorizedError } from './errors';
import type { Principal } from '../core/principal';

export type { Principal };

/** What authentication needs of an HTTP API event: its headers and the claims the JWT authorizer verified. */
export interface AuthorizedRequest {
  headers: Record<string, string | undefined>;
  requestContext: { authorizer?: { jwt?: { claims?: Record<string, unknown> } } };
}

export type ClaimSettings = Pick<ServiceConfig, 'orgClaim' | 'groupsClaim' | 'orgIdPattern'>;
export type GroupSettings = Pick<ServiceConfig, 'adminGroup' | 'auditorGroup'>;

export const MAX_ORG_ID_LENGTH = 256;
/** C0 and C1 controls, DEL, and UTF-16 halves without their pair. */
const CONTROL_OR_LONE_SURROGATE = /[\p{Cc}\p{Cs}]/u;
/** API Gateway takes the identity source with or without the `Bearer ` prefix. */
const AUTHORIZATION = /^(?:Bearer\s+)?(\S+)$/i;

/**
 * The groups claim as the token holds it: an array of strings gives exactly those groups, one string
 * gives that one group (never split: `"admin,x"` is one group), anything else gives none.
 */
export function parseGroupsClaim(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((group): group is string => typeof group === 'string')) return [...value];
  return [];
}

/** The org claim must name one org unambiguously: `null`, `""`, arrays and the like are refused (403). */
export function parseOrgClaim(value: unknown, claim: string, pattern: RegExp | undefined): string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_ORG_ID_LENGTH || CONTROL_OR_LONE_SURROGATE.test(value)) {
    throw new ForbiddenError(`the token's ${claim} claim must be a non-empty string of at most ${MAX_ORG_ID_LENGTH} characters without control characters`);
  }
  if (pattern && !pattern.test(value)) throw new ForbiddenError(`the token's ${claim} claim is not an org id this deployment accepts`);
  return value;
}

/**
 * The payload of the bearer token. API Gateway's authorizer has verified its signature, so decoding
 * is enough; the claims are read from it because the authorizer flattens an array claim into a
 * `[a b]` string that cannot tell `["db admin"]` from `["db", "admin"]`. As a second check, the
 * token's `sub` must be the one the authorizer verified.
 */
function verifiedTokenPayload(request: AuthorizedRequest): JWTPayload & { sub: string } {
  const token = AUTHORIZATION.exec(request.headers.authorization?.trim() ?? '')?.[1];
  if (!token) throw new UnauthorizedError();
  let payload: JWTPayload;
  try {
    payload = decodeJwt(token);
  } catch {
    throw new UnauthorizedError();
  }
  const { sub } = payload;
  const verifiedSub = request.requestContext.authorizer?.jwt?.claims?.sub;
  if (typeof sub !== 'string' || sub === '' || sub !== verifiedSub) throw new UnauthorizedError();
  return { ...payload, sub };
}

/**
 * The principal of an identity: only a group exactly equal to the configured name counts
 * (`"db admin"` is not `admin`).
 */
export function principalOf(identity: Omit<Principal, 'admin' | 'auditor'>, groups: GroupSettings = config): Principal {
  return { ...identity, admin: identity.groups.includes(groups.adminGroup), auditor: identity.groups.includes(groups.auditorGroup) };
}

/** The caller of a request to an authorized route: 401 without a readable token, 403 without a valid org. */
export function principalFromRequest(request: AuthorizedRequest, settings: ClaimSettings & GroupSettings): Principal {
  const payload = verifiedTokenPayload(request);
  const identity = {
    sub: payload.sub,
    email: typeof payload.email === 'string' ? payload.email : undefined,
    orgId: parseOrgClaim(payload[settings.orgClaim], settings.orgClaim, settings.orgIdPattern),
    groups: parseGroupsClaim(payload[settings.groupsClaim]),
  };
  return principalOf(identity, settings);
}

/** Admin may do everything, auditor may read everything, anyone else may read resources. */
export function authorize(principal: Principal, access: Access): void {
  const allowed = access === 'public' || access === 'authenticated' || principal.admin || (access === 'auditor' && principal.auditor);
  if (!allowed) throw new ForbiddenError();
}
