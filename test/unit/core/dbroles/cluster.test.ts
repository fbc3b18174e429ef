import { describe, expect, it } from 'vitest';
import { checkProvisionable } from '../../../../functions/core/dbroles/cluster';

describe('checkProvisionable', () => {
  const base = {
    arn: 'arn',
    id: 'c',
    engine: 'aurora-postgresql',
    databaseName: '',
    endpoint: 'e',
    port: 5432,
    tags: [],
    masterSecretArn: 'arn:secret',
    httpEndpointEnabled: true,
  };

  it.each([
    [{ engine: 'mysql' }, 'engine mysql is not supported: only aurora-postgresql and aurora-mysql clusters can be provisioned'],
    [{ masterSecretArn: null }, 'cluster c has no RDS-managed master user secret (ManageMasterUserPassword)'],
    [{ httpEndpointEnabled: false }, 'the RDS Data API is not enabled on cluster c'],
  ])('refuses %j', (change, message) => {
    expect(() => checkProvisionable({ ...base, ...change })).toThrow(expect.objectContaining({ name: 'UnprocessableError', message }));
  });
});
