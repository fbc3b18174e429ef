import { createHash } from 'node:crypto';

/** What `mysql_native_password` stores: `*` and 40 uppercase hex digits. */
export const MYSQL_NATIVE_HASH = /^\*[0-9A-F]{40}$/;

/**
 * The `mysql_native_password` hash of a password: `*` + uppercase hex of SHA1(SHA1(password)), the
 * UTF-8 bytes hashed. Sent as `IDENTIFIED WITH mysql_native_password AS '<hash>'` (MySQL 8.0, Aurora
 * MySQL 3 and MariaDB all take this form), so the server, its logs and the Data API never see the
 * plaintext. Knowing the hash is not enough to log in (the handshake needs SHA1(password)).
 */
export function mysqlNativePasswordHash(password: string): string {
  const stage1 = createHash('sha1').update(password, 'utf8').digest();
  return `*${createHash('sha1').update(stage1).digest('hex').toUpperCase()}`;
}
