import { describe, expect, it } from 'vitest';
import { InvalidIdentifierError } from '../../../../functions/core/postgres/identifiers';
import { mysqlNativePasswordHash } from '../../../../functions/core/mysql/password';
import { quoteAccount, quoteIdentifier, schemaGrantTarget } from '../../../../functions/core/mysql/identifiers';
import { grantStatement, loginStatements } from '../../../../functions/core/mysql/statements';
import { redactSecrets } from '../../../../functions/core/postgres/sql-port';

describe('MySQL identifiers', () => {
  it('quotes every name in backticks, an inner backtick doubled', () => {
    expect(quoteIdentifier('app', 'schema')).toBe('`app`');
    expect(quoteIdentifier('we`ird', 'schema')).toBe('`we``ird`');
    expect(quoteIdentifier("it's-名前", 'schema')).toBe("`it's-名前`");
    expect(quoteAccount('hoop_ro')).toBe('`hoop_ro`@`%`');
  });

  it("checks MySQL's limits: 32 characters for a user, 64 for a schema, counted in characters", () => {
    expect(quoteIdentifier('u'.repeat(32), 'user')).toHaveLength(34);
    expect(() => quoteIdentifier('u'.repeat(33), 'user')).toThrow(/invalid user name .*at most 32 characters \(it has 33\)/);
    expect(quoteIdentifier('é'.repeat(64), 'schema')).toHaveLength(66);
    expect(() => quoteIdentifier('s'.repeat(65), 'schema')).toThrow(InvalidIdentifierError);
  });

  it('refuses what MySQL cannot name: empty, NUL, beyond U+FFFF, a lone surrogate, a schema ending with a space', () => {
    for (const name of ['', 'a\0b', 'emoji😀', 'bad\uD800', 'trailing ']) expect(() => quoteIdentifier(name, 'schema'), name).toThrow(InvalidIdentifierError);
  });

  it('escapes the GRANT wildcards `_` and `%` (and the escape itself) in a schema-level grant', () => {
    expect(schemaGrantTarget('app_1')).toBe('`app\\_1`.*');
    expect(schemaGrantTarget('100%')).toBe('`100\\%`.*');
    expect(schemaGrantTarget('back\\slash`tick')).toBe('`back\\\\slash``tick`.*');
  });
});

describe('mysql_native_password', () => {
  it('hashes as MySQL does: * and uppercase hex of SHA1(SHA1(password))', () => {
    expect(mysqlNativePasswordHash('password')).toBe('*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19');
  });

  it('sends the hash, never the password, in syntax MySQL 8.0 and MariaDB both take', () => {
    const hash = mysqlNativePasswordHash('s3cret-Pa55');
    const statements = loginStatements('hoop_ro', hash).join('\n');
    expect(statements).toBe(`CREATE USER IF NOT EXISTS \`hoop_ro\`@\`%\` IDENTIFIED WITH mysql_native_password AS '${hash}'\nALTER USER \`hoop_ro\`@\`%\` IDENTIFIED WITH mysql_native_password AS '${hash}'`);
    expect(statements).not.toContain('s3cret-Pa55');
    expect(() => loginStatements('hoop_ro', "*' OR 1 --")).toThrow(RangeError);
  });

  it('keeps the hash out of logs and error messages, as a SCRAM verifier is', () => {
    const [create] = loginStatements('hoop_ro', mysqlNativePasswordHash('s3cret-Pa55'));
    expect(redactSecrets(create)).toBe("CREATE USER IF NOT EXISTS `hoop_ro`@`%` IDENTIFIED WITH mysql_native_password AS '[redacted]'");
  });
});

describe('grants', () => {
  it('grants each job role its privileges on one schema, never on *.*', () => {
    expect(grantStatement('shop', 'hoop_ro')).toBe('GRANT SELECT, SHOW VIEW ON `shop`.* TO `hoop_ro`@`%`');
    expect(grantStatement('shop', 'hoop_rw')).toBe('GRANT SELECT, SHOW VIEW, INSERT, UPDATE, DELETE, EXECUTE ON `shop`.* TO `hoop_rw`@`%`');
    expect(grantStatement('my_db', 'hoop_ddl')).toBe(
      'GRANT SELECT, SHOW VIEW, INSERT, UPDATE, DELETE, EXECUTE, CREATE, ALTER, DROP, INDEX, REFERENCES, CREATE VIEW, CREATE ROUTINE, ALTER ROUTINE, TRIGGER ON `my\\_db`.* TO `hoop_ddl`@`%`',
    );
  });
});
