import { UnprocessableError } from '../errors';
import type { ClusterDescription } from './ports';

/**
 * The engines DB role jobs provision, by RDS's `Engine` name (`engines.ts` maps each to its engine);
 * here so that what checks a cluster does not bundle the engines.
 */
export const JOB_ENGINES = ['aurora-postgresql', 'aurora-mysql'] as const;

/**
 * Refuses, with the reason, a database the service cannot provision through the Data API: another
 * engine, no RDS-managed master secret, the Data API turned off. (A non-Aurora instance is refused by
 * the describer, which alone sees that it has no cluster.)
 */
export function checkProvisionable(cluster: ClusterDescription): ClusterDescription {
  if (!(JOB_ENGINES as readonly string[]).includes(cluster.engine))
    throw new UnprocessableError(`engine ${cluster.engine} is not supported: only ${JOB_ENGINES.join(' and ')} clusters can be provisioned`);
  if (!cluster.masterSecretArn) throw new UnprocessableError(`cluster ${cluster.id} has no RDS-managed master user secret (ManageMasterUserPassword)`);
  if (!cluster.httpEndpointEnabled) throw new UnprocessableError(`the RDS Data API is not enabled on cluster ${cluster.id}`);
  return cluster;
}

/** The message of a database instance that is not part of an Aurora cluster (every describer says the same). */
export const notAuroraMessage = (instanceId: string, engine: string) => `instance ${instanceId} (${engine}) is not part of an Aurora cluster: the RDS Data API needs Aurora`;
