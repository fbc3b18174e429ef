import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTHeaderParameters,
  type JWTPayload,
  jwtVerify,
  SignJWT,
  UnsecuredJWT,
} from 'jose';

/**
 * API Gateway's JWT authorizer accepts RSA signatures only; the local issuer signs as a typical
 * identity provider does, with RS256 and a 2048-bit key.
 */
const ALGORITHM = 'RS256';
const MODULUS_LENGTH = 2048;
export const LOCAL_AUDIENCE = 'db-access-api';

export interface LocalSigningKey {
  privateJwk: JWK;
  publicJwk: JWK;
}

function isRs256Key(key: Partial<LocalSigningKey> | undefined): key is LocalSigningKey {
  const { privateJwk, publicJwk } = key ?? {};
  return (
    privateJwk?.kty === 'RSA' &&
    privateJwk.alg === ALGORITHM &&
    typeof privateJwk.d === 'string' &&
    publicJwk?.kty === 'RSA' &&
    publicJwk.alg === ALGORITHM &&
    typeof publicJwk.kid === 'string' &&
    publicJwk.kid === privateJwk.kid
  );
}

function readKeyFile(file: string): Partial<LocalSigningKey> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalSigningKey>;
  } catch {
    return undefined;
  }
}

/**
 * The local identity provider's key: made once, kept under `.local/` so tokens survive restarts. A file
 * holding anything else than an RS256 key (the ES256 key of earlier versions) is replaced by a new
 * key, with a new `kid`: tokens signed by the old one are no longer accepted.
 */
export async function loadOrCreateSigningKey(file: string): Promise<LocalSigningKey> {
  const stored = readKeyFile(file);
  if (isRs256Key(stored)) return stored;
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { modulusLength: MODULUS_LENGTH, extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const key: LocalSigningKey = {
    privateJwk: { ...(await exportJWK(privateKey)), alg: ALGORITHM, kid },
    publicJwk: { ...publicJwk, alg: ALGORITHM, kid, use: 'sig' },
  };
  writeFileSync(file, JSON.stringify(key), { mode: 0o600 });
  return key;
}

export interface TokenClaims {
  sub: string;
  org: string;
  groups: string[];
  email?: string;
  orgClaim?: string;
  groupsClaim?: string;
  expiresIn?: string;
}

/** What tests change to mint the tokens an attacker would send. */
export interface TokenOverrides {
  /** Claims set over the standard ones, any JSON value; `undefined` leaves a claim out. */
  claims?: Record<string, unknown>;
  /** Header parameters over `{alg, kid}`; `undefined` leaves one out. */
  header?: Record<string, unknown>;
  /** Another algorithm and key than the local issuer's. */
  signWith?: { alg: string; key: CryptoKey | Uint8Array };
}

/** The claims of a token of the local issuer; jose's builder does the time arithmetic (`12h`). */
function standardClaims(issuer: string, claims: TokenClaims): JWTPayload {
  const unsigned = new UnsecuredJWT({
    [claims.orgClaim ?? 'org_id']: claims.org,
    [claims.groupsClaim ?? 'groups']: claims.groups,
    ...(claims.email ? { email: claims.email } : {}),
  })
    .setSubject(claims.sub)
    .setIssuer(issuer)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '12h')
    .encode();
  return decodeJwt(unsigned);
}

export async function mintToken(key: LocalSigningKey, issuer: string, claims: TokenClaims, overrides: TokenOverrides = {}): Promise<string> {
  const alg = overrides.signWith?.alg ?? ALGORITHM;
  const signingKey = overrides.signWith?.key ?? (await importJWK(key.privateJwk, ALGORITHM));
  const header = { alg, kid: key.privateJwk.kid, ...overrides.header } as JWTHeaderParameters;
  return new SignJWT({ ...standardClaims(issuer, claims), ...overrides.claims }).setProtectedHeader(header).sign(signingKey);
}

const publicKeys = new WeakMap<LocalSigningKey, ReturnType<typeof importJWK>>();

/** Importing a key costs more than verifying a signature: import it once per key. */
function publicKeyOf(key: LocalSigningKey): ReturnType<typeof importJWK> {
  let imported = publicKeys.get(key);
  if (!imported) {
    imported = importJWK(key.publicJwk, ALGORITHM);
    publicKeys.set(key, imported);
  }
  return imported;
}

/** `aud` when the token has one, else `client_id`, must be the audience. */
function hasAudience(payload: JWTPayload, audience: string): boolean {
  if (payload.aud === undefined) return payload.client_id === audience;
  return Array.isArray(payload.aud) ? payload.aud.includes(audience) : payload.aud === audience;
}

/** How many verified tokens each key remembers; the oldest is forgotten first. */
const VERIFIED_TOKENS_KEPT = 1_000;
const verifiedTokens = new WeakMap<LocalSigningKey, Map<string, JWTPayload>>();

/**
 * The time claims, checked at every use of a token: `exp` after now, `nbf` and `iat` (when present)
 * not after now, as jose and the checks below do on the first use.
 */
function inTime(payload: JWTPayload, now: number): boolean {
  return typeof payload.exp === 'number' && payload.exp > now && !(typeof payload.nbf === 'number' && payload.nbf > now) && !(payload.iat !== undefined && payload.iat > now);
}

/**
 * Verifies a bearer token as API Gateway's JWT authorizer does and returns its claims in the
 * authorizer's form: every value a string, arrays as `[a b]`. The checks, from
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
 * ("Authorizing API requests with a JWT authorizer") and, for `client_id`,
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-jwt.html:
 * an RSA signature by the JWKS key that the header's `kid` names; `iss` equal to the issuer; `aud`
 * matching the audience, or `client_id` when there is no `aud`; `exp` after now (a token without one
 * never is); `nbf` and `iat`, when present, before now. Anything else: undefined (401).
 * A token whose signature, issuer and audience passed is remembered (per key and issuer), so that
 * the next request with it skips the RSA verification; its time claims are checked every time.
 */
export async function verifyBearerToken(
  key: LocalSigningKey,
  issuer: string,
  authorization: string | undefined,
): Promise<Record<string, string> | undefined> {
  // The identity source may hold the token alone or prefixed with `Bearer `.
  const token = /^(?:Bearer\s+)?(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
  if (!token) return undefined;
  const now = Math.floor(Date.now() / 1000);
  const remembered = verifiedTokens.get(key) ?? new Map<string, JWTPayload>();
  verifiedTokens.set(key, remembered);
  const cacheKey = `${issuer}\n${token}`;
  const known = remembered.get(cacheKey);
  if (known) return inTime(known, now) ? authorizerClaims(known) : undefined;
  try {
    const keyOfHeader = (header: JWTHeaderParameters) => {
      if (header.kid === undefined || header.kid !== key.publicJwk.kid) throw new Error('no key in the JWKS has this kid');
      return publicKeyOf(key);
    };
    const { payload } = await jwtVerify(token, keyOfHeader, { issuer, algorithms: [ALGORITHM], requiredClaims: ['exp'] });
    // jose checks `exp` and `nbf`; `iat` only with maxTokenAge, which API Gateway does not have.
    if (payload.iat !== undefined && payload.iat > now) return undefined;
    if (!hasAudience(payload, LOCAL_AUDIENCE)) return undefined;
    if (remembered.size >= VERIFIED_TOKENS_KEPT) remembered.delete(remembered.keys().next().value ?? '');
    remembered.set(cacheKey, payload);
    return authorizerClaims(payload);
  } catch {
    return undefined;
  }
}

function authorizerClaims(payload: JWTPayload): Record<string, string> {
  return Object.fromEntries(
    Object.entries(payload).map(([name, value]) => [
      name,
      Array.isArray(value) ? `[${value.join(' ')}]` : typeof value === 'object' ? JSON.stringify(value) : String(value),
    ]),
  );
}
