import { readFileSync } from 'node:fs';
import { RDSClient } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { checkProvisionable, LocalDatabaseDescriber, type LocalRdsCatalog, RdsDatabaseDescriber } from '../../../functions/adapters/rds/describer';
import { answering } from './answering';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/rds/${name}.xml`, import.meta.url), 'utf8');

/** An RDS client whose HTTP layer answers recorded responses, by Action; it records what was asked. */
function recordedRds(answers: Record<string, { status: number; body: string }>) {
  const asked: string[] = [];
  const client = new RDSClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: answering((body) => {
      const form = new URLSearchParams(body);
      const action = form.get('Action') ?? '';
      asked.push(`${action} ${form.get('DBInstanceIdentifier') ?? form.get('DBClusterIdentifier') ?? ''}`);
      return { contentType: 'text/xml', ...(answers[action] ?? { status: 500, body: '' }) };
    }),
  });
  return { client, asked };
}

describe('RdsDatabaseDescriber (recorded RDS responses)', () => {
  it('maps an Aurora instance to its cluster, with engine, database name, tags and master secret', async () => {
    // Prepare
    const { client, asked } = recordedRds({
      DescribeDBInstances: { status: 200, body: fixture('describe-db-instances-aurora') },
      DescribeDBClusters: { status: 200, body: fixture('describe-db-clusters-orders') },
    });

    // Act
    const cluster = await new RdsDatabaseDescriber(client).describe('arn:aws:rds:eu-west-1:123456789012:db:orders-instance-1');

    // Assess
    expect(asked).toEqual(['DescribeDBInstances arn:aws:rds:eu-west-1:123456789012:db:orders-instance-1', 'DescribeDBClusters orders']);
    expect(cluster).toEqual({
      arn: 'arn:aws:rds:eu-west-1:123456789012:cluster:orders',
      id: 'orders',
      engine: 'aurora-postgresql',
      databaseName: 'customers',
      endpoint: 'orders.cluster-abc.eu-west-1.rds.amazonaws.com',
      port: 5432,
      tags: [
        { key: 'squad', value: 'banking' },
        { key: 'hoop.dev/provision-roles', value: 'true' },
      ],
      masterSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-1a2b3c4d-5e6f-aBcDeF',
      httpEndpointEnabled: true,
    });
    expect(checkProvisionable(cluster)).toBe(cluster);
  });

  it('describes a cluster ARN directly', async () => {
    const { client, asked } = recordedRds({ DescribeDBClusters: { status: 200, body: fixture('describe-db-clusters-orders') } });
    const cluster = await new RdsDatabaseDescriber(client).describe('arn:aws:rds:eu-west-1:123456789012:cluster:orders');
    expect(asked).toEqual(['DescribeDBClusters arn:aws:rds:eu-west-1:123456789012:cluster:orders']);
    expect(cluster.id).toBe('orders');
  });

  it('refuses a non-Aurora instance with 422 and the reason', async () => {
    const { client } = recordedRds({ DescribeDBInstances: { status: 200, body: fixture('describe-db-instances-standalone') } });
    await expect(new RdsDatabaseDescriber(client).describe('arn:aws:rds:eu-west-1:123456789012:db:legacy-pg')).rejects.toMatchObject({
      name: 'UnprocessableError',
      message: 'instance legacy-pg (postgres) is not part of an Aurora cluster: the RDS Data API needs Aurora',
    });
  });

  it('answers 404 for a cluster RDS does not know', async () => {
    const { client } = recordedRds({ DescribeDBClusters: { status: 404, body: fixture('db-cluster-not-found') } });
    await expect(new RdsDatabaseDescriber(client).describe('arn:aws:rds:eu-west-1:123456789012:cluster:nope')).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});

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
    [{ engine: 'aurora-mysql' }, 'engine aurora-mysql is not supported: only aurora-postgresql can be provisioned'],
    [{ masterSecretArn: null }, 'cluster c has no RDS-managed master user secret (ManageMasterUserPassword)'],
    [{ httpEndpointEnabled: false }, 'the RDS Data API is not enabled on cluster c'],
  ])('refuses %j', (change, message) => {
    expect(() => checkProvisionable({ ...base, ...change })).toThrow(expect.objectContaining({ name: 'UnprocessableError', message }));
  });
});

describe('LocalDatabaseDescriber', () => {
  const cluster = (id: string) => ({
    arn: `arn:aws:rds:us-east-1:000000000000:cluster:${id}`,
    id,
    engine: 'aurora-postgresql',
    databaseName: 'postgres',
    endpoint: '127.0.0.1',
    port: 5432,
    tags: [],
    masterSecretArn: `arn:secret:${id}`,
    httpEndpointEnabled: true,
  });
  /** A catalog file as the local stack rewrites it, counting the reads. */
  const catalogFile = () => {
    const file = { reads: 0, catalog: { account_arn: 'arn:aws:iam::000000000000:user/local', clusters: [cluster('first')], instances: [] as LocalRdsCatalog['instances'] } };
    const read = (): LocalRdsCatalog => {
      file.reads++;
      return structuredClone(file.catalog);
    };
    return { file, read };
  };

  it('sees a cluster added after its first read, reading the catalog again only for an ARN it does not know', async () => {
    // Prepare
    const { file, read } = catalogFile();
    const describer = new LocalDatabaseDescriber(read);
    await describer.describe(cluster('first').arn);

    // Act
    file.catalog.clusters.push(cluster('second'));
    file.catalog.instances.push({ arn: 'arn:aws:rds:us-east-1:000000000000:db:second-instance-1', id: 'second-instance-1', engine: 'aurora-postgresql', cluster_id: 'second' });
    const added = await describer.describe('arn:aws:rds:us-east-1:000000000000:db:second-instance-1');
    const readsAfterMiss = file.reads;
    await describer.describe(cluster('first').arn);
    await describer.describe(cluster('second').arn);

    // Assess
    expect(added.id).toBe('second');
    expect(readsAfterMiss).toBe(2);
    expect(file.reads).toBe(2);
    await expect(describer.describe('arn:aws:rds:us-east-1:000000000000:cluster:nope')).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});
