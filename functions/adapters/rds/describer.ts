import { DescribeDBClustersCommand, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { NotFoundError, UnprocessableError } from '../../core/errors';
import { notAuroraMessage } from '../../core/dbroles/cluster';
import type { ClusterDescription, DatabaseDescriber, IdentityReader } from '../../core/dbroles/ports';

const isClusterArn = (arn: string) => arn.split(':')[5] === 'cluster';

/** RDS through the SDK: an instance is mapped to its cluster; a cluster is described directly. */
export class RdsDatabaseDescriber implements DatabaseDescriber {
  constructor(private readonly rds: RDSClient) {}

  async describe(arn: string): Promise<ClusterDescription> {
    let clusterId = arn;
    if (!isClusterArn(arn)) {
      const { DBInstances } = await this.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: arn })).catch(notFound(arn));
      const instance = DBInstances?.[0];
      if (!instance) throw new NotFoundError(`database ${arn} not found`);
      if (!instance.DBClusterIdentifier) {
        throw new UnprocessableError(notAuroraMessage(instance.DBInstanceIdentifier ?? arn, instance.Engine ?? 'unknown engine'));
      }
      clusterId = instance.DBClusterIdentifier;
    }
    const { DBClusters } = await this.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId })).catch(notFound(arn));
    const cluster = DBClusters?.[0];
    if (!cluster?.DBClusterArn || !cluster.DBClusterIdentifier) throw new NotFoundError(`database ${arn} not found`);
    return {
      arn: cluster.DBClusterArn,
      id: cluster.DBClusterIdentifier,
      engine: cluster.Engine ?? '',
      databaseName: cluster.DatabaseName ?? '',
      endpoint: cluster.Endpoint ?? '',
      port: cluster.Port ?? 5432,
      tags: (cluster.TagList ?? []).map((tag) => ({ key: tag.Key ?? '', value: tag.Value ?? '' })),
      masterSecretArn: cluster.MasterUserSecret?.SecretArn ?? null,
      httpEndpointEnabled: cluster.HttpEndpointEnabled === true,
    };
  }
}

function notFound(arn: string) {
  return (error: unknown): never => {
    const name = (error as { name?: string }).name ?? '';
    if (name === 'DBInstanceNotFoundFault' || name === 'DBClusterNotFoundFault') throw new NotFoundError(`database ${arn} not found`);
    throw error;
  };
}

/** The service's own identity, asked of STS once per container. */
export class StsIdentityReader implements IdentityReader {
  private cached: Promise<string> | undefined;

  constructor(private readonly sts: STSClient) {}

  accountArn(): Promise<string> {
    this.cached ??= this.sts.send(new GetCallerIdentityCommand({})).then((identity) => identity.Arn ?? '');
    return this.cached;
  }
}
