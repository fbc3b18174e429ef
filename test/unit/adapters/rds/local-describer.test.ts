import { describe, expect, it } from 'vitest';
import { LocalDatabaseDescriber, type LocalRdsCatalog } from '../../../../functions/adapters/rds/local-describer';

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
