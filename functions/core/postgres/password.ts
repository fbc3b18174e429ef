import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/*
 * Passwords exist only inside the invocation that sets them: nothing here logs, and no error names a
 * password. The server is sent the SCRAM verifier, never the plaintext.
 */

/**
 * Letters, digits, `-`, `_` and `.`: RFC 3986 "unreserved" minus `~`. Such a password goes into a
 * URL, a libpq DSN, a shell word, an env file or a SQL literal without escaping. Left out on purpose:
 * quotes, backslash, `:` `/` `@` (URLs), whitespace, `#` `%` `?` `&` `=` `+` (URLs, DSNs, form
 * encoding), `` ` `` `$` `;` `!` `*` `^` `~` (shell expansion, globbing, history, tilde).
 */
export const PASSWORD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
export const MIN_PASSWORD_LENGTH = 32;
export const DEFAULT_PASSWORD_LENGTH = 40;
const MAX_PASSWORD_LENGTH = 1024;

/** Bytes at or above this would favour the first characters of the alphabet (256 is not a multiple of 65). */
const UNBIASED_LIMIT = 256 - (256 % PASSWORD_ALPHABET.length);

/**
 * A new password from the CSPRNG: each character is a random byte below UNBIASED_LIMIT taken modulo the
 * alphabet (rejection sampling), so every character is equally likely; 40 characters ≈ 240 bits.
 */
export function generatePassword(length = DEFAULT_PASSWORD_LENGTH): string {
  if (!Number.isInteger(length) || length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH) {
    throw new RangeError(`a password has ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`);
  }
  let password = '';
  while (password.length < length) {
    // About 3 bytes in 4 are kept; draw a little more than the rest needs.
    for (const byte of randomBytes(Math.ceil((length - password.length) * 1.5) + 8)) {
      if (byte >= UNBIASED_LIMIT) continue;
      password += PASSWORD_ALPHABET[byte % PASSWORD_ALPHABET.length];
      if (password.length === length) break;
    }
  }
  return password;
}

export const SCRAM_ITERATIONS = 4096;
const SCRAM_SALT_BYTES = 16;

export interface ScramOptions {
  /** Fixed salt, for known-answer tests; a fresh 16-byte random salt otherwise. */
  salt?: Buffer;
  /** PBKDF2 rounds; 4096 is PostgreSQL's default (`scram_iterations`). */
  iterations?: number;
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802 / RFC 7677):
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, all base64. Sent in
 * `PASSWORD '<verifier>'`, the server keeps it as it is, so the plaintext never reaches the server, its
 * logs or pg_stat_statements.
 *
 * SaltedPassword = PBKDF2-HMAC-SHA-256(SASLprep(password), salt, iterations); ClientKey =
 * HMAC(SaltedPassword, "Client Key"); StoredKey = SHA-256(ClientKey); ServerKey = HMAC(SaltedPassword,
 * "Server Key"). PostgreSQL's SASLprep (pg_saslprep, in libpq and the server) returns pure ASCII as it
 * is; other text it maps and strips beyond NFKC, so a non-ASCII password is refused here rather than
 * given a verifier that clients might not match. Generated passwords are ASCII.
 */
export function scramSha256Verifier(password: string, options: ScramOptions = {}): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the range is all of ASCII, controls included.
  if (!/^[\u0001-\u007f]*$/.test(password))
    throw new RangeError('a SCRAM verifier is made only for ASCII passwords without NUL');
  const salt = options.salt ?? randomBytes(SCRAM_SALT_BYTES);
  const iterations = options.iterations ?? SCRAM_ITERATIONS;
  if (salt.length === 0) throw new RangeError('a SCRAM salt must not be empty');
  if (!Number.isInteger(iterations) || iterations < 1)
    throw new RangeError('SCRAM iterations must be a positive integer');
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
