import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCredentialEnvVar, maskEnvVars, revealSecretValue, connectionRecordFrom } from '../../../../functions/core/resources/model';

const fullwidth = (text: string) => text.replace(/[!-~]/g, (character) => String.fromCharCode(character.charCodeAt(0) + 0xfee0));
const ARN_VALUE = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf';

describe('credential env vars', () => {
  it.each([
    // The spec's cases.
    'PASS',
    'PASSWORD',
    'envvar:PASS',
    'DB_PASSWORD',
    'envvar:db_pass',
    'GITHUB_TOKEN',
    'CLIENT_SECRET',
    // What the spec's suffix rule let through.
    'DB_PASSWORD ',
    'db-password',
    'DB.PASSWORD',
    'envvar:DB_PASSWORD',
    'Db_PaSsWoRd',
    `DB_${fullwidth('PASSWORD')}`,
    fullwidth('DB_PASSWORD'),
    'dbPassword',
    'dbPass',
    'DBPASSWORD',
    'PASS_WORD',
    'DB_PASS2',
    'MYSQL_PWD',
    'API-KEY',
    'PASSWORD_HINT_URL',
    'TOKEN_URL',
    'DB\u200bPASS',
    // A Cyrillic Р: not a word this rule can read, so it is masked.
    'DB_\u0420ASSWORD',
  ])('%j is masked', (key) => {
    expect(isCredentialEnvVar(key, 'hunter2')).toBe(true);
  });

  it.each(['HOST', 'USER', 'PORT', 'envvar:DB', 'DEFAULT_DATABASE', 'RDS_CLUSTER_ARN', 'COMPASS_URL', 'BYPASS_CACHE'])('%j is shown', (key) => {
    expect(isCredentialEnvVar(key, 'db.internal')).toBe(false);
  });

  it('shows an ARN reference, but not a plain value under an ARN-like name', () => {
    expect(isCredentialEnvVar('RDS_SECRET_ARN', ARN_VALUE)).toBe(false);
    expect(isCredentialEnvVar('DB_PASSWORD_ARN', ARN_VALUE)).toBe(false);
    expect(isCredentialEnvVar('RDS_SECRET_ARN', 'hunter2')).toBe(true);
    expect(isCredentialEnvVar('DB_PASSWORD_ARN', 'hunter2')).toBe(true);
  });

  it('masks any key holding the word PASSWORD, whatever its case and separators', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9]{1,8}$/);
    const separator = fc.stringMatching(/^[^A-Za-z0-9]{1,3}$/);
    const anyCase = fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }).map((upper) =>
      [...'password'].map((letter, index) => (upper[index] ? letter.toUpperCase() : letter)).join(''),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(word, separator)), anyCase, fc.array(fc.tuple(separator, word)), fc.string(), (before, password, after, value) => {
        const key = `${before.flat().join('')}${password}${after.flat().join('')}`;
        fc.pre(!value.startsWith('arn:'));
        expect(isCredentialEnvVar(key, value)).toBe(true);
      }),
    );
  });

  it('shows keys made of ordinary words', () => {
    const ordinary = fc.constantFrom('HOST', 'port', 'User', 'DB', 'name', 'URL', 'REGION', 'cluster', 'ARN', 'SCHEMA', 'envvar');
    fc.assert(
      fc.property(fc.array(ordinary, { minLength: 1, maxLength: 5 }), fc.constantFrom('_', '-', '.', ':', ' '), (words, separator) => {
        expect(isCredentialEnvVar(words.join(separator), 'db.internal')).toBe(false);
      }),
    );
  });

  it('masks only the values of credential keys', () => {
    expect(maskEnvVars({ HOST: 'h', PASS: 'p', RDS_SECRET_ARN: ARN_VALUE })).toEqual({ HOST: 'h', PASS: '*****', RDS_SECRET_ARN: ARN_VALUE });
  });
});
describe('revealSecretValue', () => {
  it('decodes base64 and keeps provider references as they are', () => {
    expect(revealSecretValue(Buffer.from('s3cr3t:/@').toString('base64'))).toBe('s3cr3t:/@');
    expect(revealSecretValue('_aws:prod/db:password')).toBe('_aws:prod/db:password');
    expect(revealSecretValue('_vaultkv2:secret/data/db:PASS')).toBe('_vaultkv2:secret/data/db:PASS');
    expect(revealSecretValue('not base64!')).toBe('not base64!');
  });
});

describe('connectionRecordFrom', () => {
  const resource = { id: 'r1', type: 'database', subtype: 'postgres' };

  it("takes the resource's subtype for a connection of the resource's type, and the usual client command", () => {
    const connection = connectionRecordFrom({ name: 'ro', type: 'database' }, 'ro', resource, { id: 'id1', managed_by: '' });
    expect(connection).toMatchObject({ subtype: 'postgres', command: expect.arrayContaining(['psql']), agent_id: null, secret: {} });
  });

  it("takes the connection's own type as subtype otherwise, with no command", () => {
    const connection = connectionRecordFrom({ name: 'app', type: 'application' }, 'app', resource, { id: 'id2', managed_by: '' });
    expect(connection).toMatchObject({ subtype: 'application', command: [] });
  });
});
