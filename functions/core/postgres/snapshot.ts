import { type ClusterState, clusterState, type DatabaseState, databaseState, type PlanConfig, type Snapshot } from './model';
import { databasesInReach, schemasAskedIn } from './diff';
import type { SqlParameters } from './sql-port';
import * as z from 'zod/mini';
import { CLUSTER_STATE_SQL, DATABASE_STATE_SQL, inChunks } from './catalog';
import { PlanFailedError } from './plan-failed';

/** The role's live state, as the diff needs it: the cluster read, and one read per database. */
export interface Catalog {
  /** Cluster-wide: the role, its memberships, the databases (read in the home database). */
  readCluster(config: PlanConfig): Promise<ClusterState>;
  readDatabase(config: PlanConfig, database: string): Promise<DatabaseState>;
}

/** Runs one catalog read in a database and answers its rows. */
export type CatalogQuery = (database: string, sql: string, parameters: SqlParameters) => Promise<Record<string, unknown>[]>;

const CLUSTER_STATE_IN_CHUNKS = inChunks(CLUSTER_STATE_SQL);
const DATABASE_STATE_IN_CHUNKS = inChunks(DATABASE_STATE_SQL);

const chunkRow = z.object({ pages: z.coerce.number().check(z.int(), z.positive()), digest: z.string(), chunk: z.string() });
const chunkRows = z.array(chunkRow).check(z.minLength(1));

/** How often a read in several pages starts again when the catalog changed between its pages. */
const READ_ATTEMPTS = 3;

/**
 * A state read in chunks (`inChunks`): one call while the state fits in a page (the common case),
 * more only for a state over a page. Pages come from separate runs of the read, so they belong
 * together only when their digests agree; when the catalog changed in between, the read starts again.
 */
async function readState(query: CatalogQuery, database: string, sql: string, parameters: SqlParameters): Promise<unknown> {
  for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
    const chunks: string[] = [];
    let digest: string | undefined;
    let pages = 1;
    for (let page = 0; page < pages; page++) {
      const rows = chunkRows.parse(await query(database, sql, { ...parameters, page: String(page) }));
      digest ??= rows[0]?.digest;
      if (rows.some((row) => row.digest !== digest)) break;
      pages = rows[0]?.pages ?? pages;
      chunks.push(...rows.map((row) => row.chunk));
      if (page === pages - 1) return JSON.parse(chunks.join(''));
    }
  }
  throw new PlanFailedError('the catalog kept changing while it was read: plan again');
}

/** The catalog as PostgreSQL answers it: the two reads of `catalog.ts`, their answers checked. */
export function sqlCatalog(query: CatalogQuery): Catalog {
  return {
    readCluster: async (config) =>
      clusterState.parse(await readState(query, config.defaultDatabase, CLUSTER_STATE_IN_CHUNKS, { role: config.roleName, source: config.sourceRole ?? '' })),
    readDatabase: async (config, database) =>
      databaseState.parse(
        await readState(query, database, DATABASE_STATE_IN_CHUNKS, { role: config.roleName, schemas: JSON.stringify(schemasAskedIn(config, database)) }),
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
