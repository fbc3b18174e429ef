import { describe, expect, it } from 'vitest';
import { isCredentialKey, maskEnvVars, revealSecretValue, roleRecordFrom } from '../../../functions/resources/model';

describe('credential keys', () => {
  it.each(['PASS', 'PASSWORD', 'envvar:PASS', 'DB_PASSWORD', 'envvar:db_pass', 'GITHUB_TOKEN', 'CLIENT_SECRET'])('%s is masked', (key) => {
    expect(isCredentialKey(key)).toBe(true);
  });

  it.each(['HOST', 'USER', 'RDS_SECRET_ARN', 'PASSWORD_HINT_URL', 'TOKEN_URL', 'envvar:DB'])('%s is shown', (key) => {
    expect(isCredentialKey(key)).toBe(false);
  });

  it('masks only the values of credential keys', () => {
    expect(maskEnvVars({ HOST: 'h', PASS: 'p' })).toEqual({ HOST: 'h', PASS: '*****' });
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

describe('roleRecordFrom', () => {
  const resource = { id: 'r1', type: 'database', subtype: 'postgres' };

  it("takes the resource's subtype for a role of the resource's type, and the usual client command", () => {
    const role = roleRecordFrom({ name: 'ro', type: 'database' }, 'ro', resource, { id: 'id1', managed_by: '' });
    expect(role).toMatchObject({ subtype: 'postgres', command: expect.arrayContaining(['psql']), agent_id: null, secret: {} });
  });

  it("takes the role's own type as subtype otherwise, with no command", () => {
    const role = roleRecordFrom({ name: 'app', type: 'application' }, 'app', resource, { id: 'id2', managed_by: '' });
    expect(role).toMatchObject({ subtype: 'application', command: [] });
  });
});
