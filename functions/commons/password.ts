import { createHash, createHmac, pbkdf2Sync, randomBytes, randomInt } from 'node:crypto';

/**
 * Letters, digits and symbols that survive a connection string, a shell, a DSN and SQL unescaped:
 * no quotes, backslash, colon, slash, @, space, #, %, ?, &, =, +, `, $ or ;.
 */
export const PASSWORD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~!*^';
export const MIN_PASSWORD_LENGTH = 32;

/** A new password from the CSPRNG; `randomInt` draws by rejection sampling, so every character is equally likely. */
export function generatePassword(length = 40): string {
  if (length < MIN_PASSWORD_LENGTH) throw new RangeError(`a password has at least ${MIN_PASSWORD_LENGTH} characters`);
  let password = '';
  for (let index = 0; index < length; index++) password += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return password;
}

const SCRAM_ITERATIONS = 4096;

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`,
 * RFC 5802 / 7677). Sent instead of the password, so the plaintext never reaches the server, its logs or
 * pg_stat_statements. Our alphabet is ASCII, for which SASLprep is the identity.
 */
export function scramSha256Verifier(password: string, options: { salt?: Buffer; iterations?: number } = {}): string {
  const salt = options.salt ?? randomBytes(16);
  const iterations = options.iterations ?? SCRAM_ITERATIONS;
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
