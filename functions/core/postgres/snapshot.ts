import { type ClusterState, clusterState, type DatabaseState, databaseState, type PlanConfig, type Snapshot } from './model';
import { databasesInReach, schemasAskedIn } from './diff';
import type { SqlParameters } from './sql-port';
import { CLUSTER_STATE_SQL, DATABASE_STATE_SQL } from './catalog';

/** Runs one catalog read in a database and answers its single JSON column. */
export type CatalogReader = (database: string, sql: string, parameters: SqlParameters) => Promise<string>;

/** Reads the cluster state in the home database. */
export async function readClusterState(read: CatalogReader, config: PlanConfig): Promise<ClusterState> {
  const text = await read(config.defaultDatabase, CLUSTER_STATE_SQL, { role: config.roleName, source: config.sourceRole ?? '' });
  return clusterState.parse(JSON.parse(text));
}

export async function readDatabaseState(read: CatalogReader, config: PlanConfig, database: string): Promise<DatabaseState> {
  const text = await read(database, DATABASE_STATE_SQL, { role: config.roleName, schemas: JSON.stringify(schemasAskedIn(config, database)) });
  return databaseState.parse(JSON.parse(text));
}

/**
 * The live state a plan needs, in 1 + (databases touched) reads: the cluster first (it says which
 * databases exist and which the role reaches), then every database in reach at once.
 */
export async function readSnapshot(read: CatalogReader, config: PlanConfig): Promise<Snapshot> {
  const cluster = await readClusterState(read, config);
  const existing = new Set(cluster.databases.map((database) => database.name));
  const databases = await Promise.all(
    databasesInReach(config, cluster)
      .filter((database) => existing.has(database))
      .map((database) => readDatabaseState(read, config, database)),
  );
  return { cluster, databases };
}
