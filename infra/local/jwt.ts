import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';

const ALGORITHM = 'ES256';
export const LOCAL_AUDIENCE = 'db-access-api';

export interface LocalSigningKey {
  privateJwk: JWK;
  publicJwk: JWK;
}

/** The local identity provider's key: made once, kept under `.local/` so tokens survive restarts. */
export async function loadOrCreateSigningKey(file: string): Promise<LocalSigningKey> {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalSigningKey;
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const key: LocalSigningKey = {
    privateJwk: { ...(await exportJWK(privateKey)), alg: ALGORITHM, kid: 'local-1' },
    publicJwk: { ...(await exportJWK(publicKey)), alg: ALGORITHM, kid: 'local-1', use: 'sig' },
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

export async function mintToken(key: LocalSigningKey, issuer: string, claims: TokenClaims): Promise<string> {
  const privateKey = await importJWK(key.privateJwk, ALGORITHM);
  return new SignJWT({
    [claims.orgClaim ?? 'org_id']: claims.org,
    [claims.groupsClaim ?? 'groups']: claims.groups,
    ...(claims.email ? { email: claims.email } : {}),
  })
    .setProtectedHeader({ alg: ALGORITHM, kid: key.privateJwk.kid })
    .setSubject(claims.sub)
    .setIssuer(issuer)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '12h')
    .sign(privateKey);
}

const publicKeys = new WeakMap<LocalSigningKey, ReturnType<typeof importJWK>>();

/** Importing an EC key costs more than verifying a signature: import it once per key. */
function publicKeyOf(key: LocalSigningKey): ReturnType<typeof importJWK> {
  let imported = publicKeys.get(key);
  if (!imported) {
    imported = importJWK(key.publicJwk, ALGORITHM);
    publicKeys.set(key, imported);
  }
  return imported;
}

/**
 * Verifies a bearer token as API Gateway's JWT authorizer does (signature, issuer, audience, expiry)
 * and returns its claims in the authorizer's form: every value a string, arrays as `[a b]`.
 */
export async function verifyBearerToken(
  key: LocalSigningKey,
  issuer: string,
  authorization: string | undefined,
): Promise<Record<string, string> | undefined> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match?.[1]) return undefined;
  try {
    const publicKey = await publicKeyOf(key);
    const { payload } = await jwtVerify(match[1], publicKey, { issuer, audience: LOCAL_AUDIENCE });
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
