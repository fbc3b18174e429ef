import { beforeAll, describe, expect, it } from 'vitest';
import { DataApiSqlPort } from '../../functions/adapters/data-api/sql-executor';
import { JOB_SCHEMAS_FINGERPRINT_SQL } from '../../functions/core/postgres/catalog';
import { generatePassword } from '../../functions/core/postgres/password';
import type { SqlPort } from '../../functions/core/postgres/sql-port';
import { postgresJobEngine } from '../../functions/core/dbroles/postgres-engine';
import { dataApiClient } from '../conformance/clients';
import { type LocalCluster, newLocalCluster } from '../support/clusters';
import { inInvocation } from '../support/mysql';
import { createDatabase, dataApiCalls, loginAs, newDatabaseName, runAs, tryQuery } from '../support/postgres';

/**
 * The PostgreSQL job engine on its own, through the production Data API executor: each database's
 * grants are one block, checked under the lock against the catalog they were built from.
 */
describe('the PostgreSQL job engine', () => {
  const database = newDatabaseName('engine');
  let cluster: LocalCluster;
  let port: DataApiSqlPort;

  beforeAll(async () => {
    cluster = await newLocalCluster('engine');
    await createDatabase(database, 'CREATE SCHEMA app; CREATE TABLE app.items (id int); INSERT INTO app.items VALUES (1);', cluster);
    port = new DataApiSqlPort(dataApiClient(), { resourceArn: cluster.cluster_arn, secretArn: cluster.secret_arn });
  });

  /** The port, with `between` run right after the grant's catalog read answers: a change the block must notice. */
  const changingAfterRead = (between: () => Promise<void>): SqlPort => {
    let changed = false;
    return {
      begin: (name) => port.begin(name),
      query: async (name, sql, parameters) => {
        const rows = await port.query(name, sql, parameters);
        if (sql === JOB_SCHEMAS_FINGERPRINT_SQL && !changed) {
          changed = true;
          await between();
        }
        return rows as never;
      },
    };
  };

  it('grants a database in one call for all the roles, and builds them again when the schemas change between the read and the lock', async () => {
    // Prepare: the role logs in; a schema appears after the grants were built
    const password = generatePassword();
    const engine = postgresJobEngine(changingAfterRead(() => runAs(`${database}_app`, database, 'CREATE SCHEMA late; CREATE TABLE late.t (id int); INSERT INTO late.t VALUES (7);', cluster)));
    await inInvocation(() => engine.login('hoop_ro', password));
    await inInvocation(() => engine.login('hoop_rw', generatePassword()));
    const before = await dataApiCalls(cluster.secret_arn);

    // Act
    const outcome = await inInvocation(() => engine.grant(database, ['hoop_ro', 'hoop_rw']));

    // Assess: two reads and two blocks (the first refused under the lock), and the late schema is covered
    expect((await dataApiCalls(cluster.secret_arn)) - before).toBe(4);
    expect(outcome.statements).toBeGreaterThan(0);
    const session = await loginAs('hoop_ro', password, database, cluster);
    try {
      expect(await tryQuery(session, 'SELECT id FROM late.t')).toMatchObject({ ok: true });
      expect(await tryQuery(session, 'SELECT id FROM app.items')).toMatchObject({ ok: true });
      expect(await tryQuery(session, 'INSERT INTO app.items VALUES (2)')).toMatchObject({ ok: false });
    } finally {
      await session.end();
    }
  });

  it('grants in one call when nothing changes, and logs in with one call', async () => {
    // Prepare
    const engine = postgresJobEngine(port);
    const before = await dataApiCalls(cluster.secret_arn);

    // Act
    await inInvocation(() => engine.login('hoop_ddl', generatePassword()));
    await inInvocation(() => engine.grant(database, ['hoop_ddl']));

    // Assess: the login, then the read and the block
    expect((await dataApiCalls(cluster.secret_arn)) - before).toBe(3);
  });
});
