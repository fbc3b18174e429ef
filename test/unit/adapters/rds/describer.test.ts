import { readFileSync } from 'node:fs';
import { RDSClient } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { RdsDatabaseDescriber } from '../../../../functions/adapters/rds/describer';
import { checkProvisionable } from '../../../../functions/core/dbroles/cluster';
import { answering } from '../answering';

const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/rds/${name}.xml`, import.meta.url), 'utf8');

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
