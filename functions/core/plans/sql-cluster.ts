import { sqlCatalog } from '../postgres/snapshot';
import type { SqlPort } from '../postgres/sql-port';
import { statementBlock } from '../postgres/statement-block';
import { sql } from '../postgres/statements';
import type { ClusterAccess } from './ports';

/**
 * Plan and apply's access to a cluster over SQL: the catalog reads of `postgres/catalog.ts`, the advisory
 * lock, and a database's statements as one block (one call, however many statements).
 */
export function sqlClusterAccess(port: SqlPort): ClusterAccess {
  return {
    catalog: sqlCatalog((database, text, parameters) => port.query(database, text, parameters)),
    begin: async (database) => {
      const transaction = await port.begin(database);
      // A transaction reads its own database only, whichever the catalog names.
      const inTransaction = sqlCatalog((_, text, parameters) => transaction.query(text, parameters));
      return {
        lock: () => transaction.execute(sql.lockProvisioning()),
        readCluster: (config) => inTransaction.readCluster(config),
        readDatabase: (config) => inTransaction.readDatabase(config, database),
        run: async (statements) => {
          if (statements.length > 0) await transaction.execute(statementBlock(statements));
        },
        commit: () => transaction.commit(),
        rollback: () => transaction.rollback(),
      };
    },
  };
}
