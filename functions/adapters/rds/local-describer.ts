import { readFileSync } from 'node:fs';
import { NotFoundError, UnprocessableError } from '../../core/errors';
import { notAuroraMessage } from '../../core/dbroles/cluster';
import type { ClusterDescription, DatabaseDescriber, IdentityReader } from '../../core/dbroles/ports';

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
      if (!instance.cluster_id) throw new UnprocessableError(notAuroraMessage(instance.id, instance.engine));
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

/** The catalog file the local stack writes, read whole each time (the stack renames a new one into place). */
export const readLocalRdsCatalog = (path: string) => (): LocalRdsCatalog => JSON.parse(readFileSync(path, 'utf8')) as LocalRdsCatalog;
