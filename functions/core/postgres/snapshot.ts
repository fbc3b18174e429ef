import { type ClusterState, clusterState, type DatabaseState, databaseState, type PlanConfig, type Snapshot } from './model';
import { databasesInReach, schemasAskedIn } from './diff';
import type { SqlParameters } from './sql-port';
import { CLUSTER_STATE_SQL, DATABASE_STATE_SQL } from './catalog';

/** The role's live state, as the diff needs it: the cluster read, and one read per database. */
export interface Catalog {
  /** Cluster-wide: the role, its memberships, the databases (read in the home database). */
  readCluster(config: PlanConfig): Promise<ClusterState>;
  readDatabase(config: PlanConfig, database: string): Promise<DatabaseState>;
}

/** Runs one catalog read in a database and answers its rows. */
export type CatalogQuery = (database: string, sql: string, parameters: SqlParameters) => Promise<Record<string, unknown>[]>;

/** The catalog reads answer one row with one JSON text column named `state`. */
function stateColumn(rows: Record<string, unknown>[]): unknown {
  const state = rows[0]?.state;
  if (typeof state !== 'string') throw new Error('catalog read answered no state');
  return JSON.parse(state);
}

/** The catalog as PostgreSQL answers it: the two reads of `catalog.ts`, their answers checked. */
export function sqlCatalog(query: CatalogQuery): Catalog {
  return {
    readCluster: async (config) =>
      clusterState.parse(stateColumn(await query(config.defaultDatabase, CLUSTER_STATE_SQL, { role: config.roleName, source: config.sourceRole ?? '' }))),
    readDatabase: async (config, database) =>
      databaseState.parse(
        stateColumn(await query(database, DATABASE_STATE_SQL, { role: config.roleName, schemas: JSON.stringify(schemasAskedIn(config, database)) })),
      ),
  };
}

/** The databases in the role's reach that exist: those a plan reads, and an apply locks and reads again. */
export function existingInReach(config: PlanConfig, cluster: ClusterState): string[] {
  const existing = new Set(cluster.databases.map((database) => database.name));
  return databasesInReach(config, cluster).filter((name) => existing.has(name));
}

/**
 * The live state a plan needs, in 1 + (databases touched) reads: the cluster first (it says which
 * databases exist and which the role reaches), then every database in reach at once.
 */
export async function readSnapshot(catalog: Catalog, config: PlanConfig): Promise<Snapshot> {
  const cluster = await catalog.readCluster(config);
  const databases = await Promise.all(existingInReach(config, cluster).map((database) => catalog.readDatabase(config, database)));
  return { cluster, databases };
}
