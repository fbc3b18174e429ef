import { DescribeDBClustersCommand, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { NotFoundError, UnprocessableError } from '../../core/errors';

/** The Aurora cluster a job provisions, as RDS describes it. */
export interface ClusterDescription {
  arn: string;
  id: string;
  engine: string;
  /** The cluster's initial database name (empty when none was given). */
  databaseName: string;
  endpoint: string;
  port: number;
  tags: { key: string; value: string }[];
  /** The RDS-managed master user secret, or null when the cluster has none. */
  masterSecretArn: string | null;
  httpEndpointEnabled: boolean;
}

/** Finds the database behind an instance or cluster ARN. */
export interface DatabaseDescriber {
  describe(arn: string): Promise<ClusterDescription>;
}

/** Who the service runs as in AWS (seed 002's `account_arn`). */
export interface IdentityReader {
  accountArn(): Promise<string>;
}

const SUPPORTED_ENGINES = new Set(['aurora-postgresql']);

/**
 * Refuses, with the reason, a database the service cannot provision through the Data API: a
 * non-Aurora instance, another engine, no RDS-managed master secret, the Data API turned off.
 */
export function checkProvisionable(cluster: ClusterDescription): ClusterDescription {
  if (!SUPPORTED_ENGINES.has(cluster.engine)) throw new UnprocessableError(`engine ${cluster.engine} is not supported: only aurora-postgresql can be provisioned`);
  if (!cluster.masterSecretArn) throw new UnprocessableError(`cluster ${cluster.id} has no RDS-managed master user secret (ManageMasterUserPassword)`);
  if (!cluster.httpEndpointEnabled) throw new UnprocessableError(`the RDS Data API is not enabled on cluster ${cluster.id}`);
  return cluster;
}

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
        throw new UnprocessableError(`instance ${instance.DBInstanceIdentifier ?? arn} (${instance.Engine ?? 'unknown engine'}) is not part of an Aurora cluster: the RDS Data API needs Aurora`);
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

export class StsIdentityReader implements IdentityReader {
  private cached: Promise<string> | undefined;

  constructor(private readonly sts: STSClient) {}

  accountArn(): Promise<string> {
    this.cached ??= this.sts.send(new GetCallerIdentityCommand({})).then((identity) => identity.Arn ?? '');
    return this.cached;
  }
}

/** What the local stack tells the local adapter about its clusters and instances (the file `LOCAL_RDS_CATALOG` names). */
export interface LocalRdsCatalog {
  account_arn: string;
  clusters: ClusterDescription[];
  instances: { arn: string; id: string; engine: string; cluster_id: string | null }[];
}

/**
 * The local adapter: the same answers as RDS would give, from the catalog the local stack writes. An
 * ARN it does not know makes it read the catalog again: the local stack adds clusters as it runs.
 */
export class LocalDatabaseDescriber implements DatabaseDescriber, IdentityReader {
  private catalog: LocalRdsCatalog | undefined;

  constructor(private readonly read: () => LocalRdsCatalog) {}

  async describe(arn: string): Promise<ClusterDescription> {
    const known = (catalog: LocalRdsCatalog) => [...catalog.clusters, ...catalog.instances].some((candidate) => candidate.arn === arn);
    if (!known(this.current())) this.catalog = this.read();
    const catalog = this.current();
    let cluster = catalog.clusters.find((candidate) => candidate.arn === arn);
    if (!cluster) {
      const instance = catalog.instances.find((candidate) => candidate.arn === arn);
      if (!instance) throw new NotFoundError(`database ${arn} not found`);
      if (!instance.cluster_id) throw new UnprocessableError(`instance ${instance.id} (${instance.engine}) is not part of an Aurora cluster: the RDS Data API needs Aurora`);
      cluster = catalog.clusters.find((candidate) => candidate.id === instance.cluster_id);
    }
    if (!cluster) throw new NotFoundError(`database ${arn} not found`);
    return cluster;
  }

  async accountArn(): Promise<string> {
    return this.current().account_arn;
  }

  private current(): LocalRdsCatalog {
    this.catalog ??= this.read();
    return this.catalog;
  }
}
