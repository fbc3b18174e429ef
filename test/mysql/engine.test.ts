import type { RDSDataClient } from '@aws-sdk/client-rds-data';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_ROLES, type JobRole } from '../../functions/core/dbroles/model';
import type { JobEngine } from '../../functions/core/dbroles/engine';
import { InvalidIdentifierError } from '../../functions/core/postgres/identifiers';
import { UnprocessableError } from '../../functions/core/errors';
import { mysqlNativePasswordHash } from '../../functions/core/mysql/password';
import { generatePassword } from '../../functions/core/postgres/password';
import type { LocalMysqlClusterInfo } from '../../infra/local/stack';
import { dataApiClient } from '../conformance/clients';
import { backtick, connectMysql, mysqlInstalled, invokedMysqlEngine, newLocalMysqlCluster, recordRequestBodies, tryLogin, tryMysql } from '../support/mysql';

/**
 * The MySQL engine end to end: through the production Data API client and SQL executor, against the
 * local Data API and a MariaDB server of this file's own; then each job role logs in with its password
 * and tries what it may and may not do.
 */
const AWKWARD_SCHEMAS = ['has-dash', 'back`tick', "quo'te", 'ünïcødé 名前', 'under_score'];

describe.skipIf(!mysqlInstalled())('the MySQL job engine on a real server', () => {
  let cluster: LocalMysqlClusterInfo;
  let client: RDSDataClient;
  let requests: string[];
  let engine: JobEngine;
  let master: mysql.Connection;
  const passwords = new Map<JobRole, string>();

  /** A whole job, as the workflow will run it: list, inspect each, log in each role, grant each schema. */
  const runJob = async () => {
    const targets = await engine.listTargets();
    for (const target of targets) await engine.inspect(target);
    for (const jobRole of JOB_ROLES) {
      const password = generatePassword();
      await engine.login(jobRole, password);
      passwords.set(jobRole, password);
    }
    for (const target of targets) await engine.grant(target, JOB_ROLES);
    return targets;
  };
  const as = (jobRole: JobRole, schema?: string) => connectMysql(cluster.mysql_url, { user: jobRole, password: passwords.get(jobRole) ?? '' }, schema);

  beforeAll(async () => {
    cluster = await newLocalMysqlCluster('engine');
    master = await connectMysql(cluster.mysql_url);
    for (const schema of ['app', ...AWKWARD_SCHEMAS]) {
      await master.query(`CREATE DATABASE ${backtick(schema)}`);
      await master.query(`CREATE TABLE ${backtick(schema)}.t (id int PRIMARY KEY, name varchar(20))`);
      await master.query(`INSERT INTO ${backtick(schema)}.t VALUES (1, 'one')`);
    }
    client = dataApiClient();
    requests = recordRequestBodies(client);
    engine = invokedMysqlEngine(client, cluster);
  });

  afterAll(async () => {
    await master?.end();
    client?.destroy();
  });

  it('targets every schema but the system ones', async () => {
    expect(await engine.listTargets()).toEqual(['app', 'back`tick', 'has-dash', "quo'te", 'reporting', 'shop', 'under_score', 'ünïcødé 名前'].sort());
  });

  it('provisions the three users; each may do what its role allows in every schema, and nothing in mysql.*', async () => {
    const targets = await runJob();
    expect(targets).toContain('has-dash');
    for (const schema of targets.filter((name) => name !== 'reporting' && name !== 'shop')) {
      const table = `${backtick(schema)}.t`;
      const ro = await as('hoop_ro');
      expect(await tryMysql(ro, `SELECT name FROM ${table}`), schema).toMatchObject({ ok: true, rows: [{ name: 'one' }] });
      expect(await tryMysql(ro, `INSERT INTO ${table} VALUES (2, 'two')`), schema).toMatchObject({ ok: false, errno: 1142 });
      await ro.end();

      const rw = await as('hoop_rw');
      expect(await tryMysql(rw, `INSERT INTO ${table} VALUES (2, 'two')`), schema).toMatchObject({ ok: true });
      expect(await tryMysql(rw, `UPDATE ${table} SET name = 'deux' WHERE id = 2`), schema).toMatchObject({ ok: true });
      expect(await tryMysql(rw, `DELETE FROM ${table} WHERE id = 2`), schema).toMatchObject({ ok: true });
      expect(await tryMysql(rw, `CREATE TABLE ${backtick(schema)}.made_by_rw (id int)`), schema).toMatchObject({ ok: false, errno: 1142 });
      await rw.end();

      const ddl = await as('hoop_ddl');
      expect(await tryMysql(ddl, `CREATE TABLE ${backtick(schema)}.made_by_ddl (id int)`), schema).toMatchObject({ ok: true });
      expect(await tryMysql(ddl, `CREATE INDEX by_id ON ${backtick(schema)}.made_by_ddl (id)`), schema).toMatchObject({ ok: true });
      expect(await tryMysql(ddl, `CREATE VIEW ${backtick(schema)}.v AS SELECT id FROM ${table}`), schema).toMatchObject({ ok: true });
      expect(await tryMysql(ddl, `DROP VIEW ${backtick(schema)}.v`), schema).toMatchObject({ ok: true });
      expect(await tryMysql(ddl, `DROP TABLE ${backtick(schema)}.made_by_ddl`), schema).toMatchObject({ ok: true });
      await ddl.end();
    }
    for (const jobRole of JOB_ROLES) {
      const connection = await as(jobRole);
      // 1142: SELECT denied on the table; the hashes in mysql.user stay out of reach.
      expect(await tryMysql(connection, 'SELECT * FROM mysql.user'), jobRole).toMatchObject({ ok: false, errno: 1142 });
      expect(await tryMysql(connection, 'CREATE DATABASE made_by_job_role'), jobRole).toMatchObject({ ok: false, errno: 1044 });
      expect(await tryMysql(connection, 'CREATE USER intruder'), jobRole).toMatchObject({ ok: false, errno: 1227 });
      const shown = await tryMysql(connection, 'SHOW DATABASES');
      expect(shown.ok && (shown.rows as { Database: string }[]).map((row) => row.Database).sort(), jobRole).toEqual(['information_schema', ...targets].sort());
      await connection.end();
    }
  });

  it('does not reach a schema made after the job, even one the grant pattern `under_score` would match unescaped', async () => {
    // `_` is a wildcard in a schema-level GRANT: an unescaped grant on `under_score` covers `underXscore`.
    await master.query('CREATE DATABASE underXscore');
    await master.query('CREATE TABLE underXscore.t (id int)');
    const ro = await as('hoop_ro');
    expect(await tryMysql(ro, 'SELECT * FROM underXscore.t')).toMatchObject({ ok: false, errno: 1142 });
    await ro.end();
    // The next job covers it.
    await runJob();
    const next = await as('hoop_ro');
    expect(await tryMysql(next, 'SELECT * FROM underXscore.t')).toMatchObject({ ok: true });
    await next.end();
  });

  it('rotates the passwords on a rerun without dropping the users: the old password fails, the new one works', async () => {
    const old = new Map(passwords);
    for (const jobRole of JOB_ROLES) {
      const password = generatePassword();
      await engine.login(jobRole, password);
      passwords.set(jobRole, password);
    }
    for (const jobRole of JOB_ROLES) {
      expect(await tryLogin(cluster.mysql_url, jobRole, old.get(jobRole) ?? ''), jobRole).toEqual({ ok: false, errno: 1045 });
      expect(await tryLogin(cluster.mysql_url, jobRole, passwords.get(jobRole) ?? ''), jobRole).toEqual({ ok: true });
    }
    // No grant ran since: the users kept theirs.
    const ro = await as('hoop_ro', 'app');
    expect(await tryMysql(ro, 'SELECT name FROM t')).toMatchObject({ ok: true, rows: [{ name: 'one' }] });
    await ro.end();
  });

  it('never sends a password to the Data API: every request carries the hash instead', async () => {
    expect(requests.length).toBeGreaterThan(0);
    const sent = requests.join('\n');
    for (const [jobRole, password] of passwords) {
      expect(sent, jobRole).not.toContain(password);
      expect(sent, jobRole).toContain(mysqlNativePasswordHash(password));
    }
  });

  it('refuses, before any change, a schema that is gone and a name MySQL cannot take', async () => {
    await expect(engine.inspect('no_such_schema')).rejects.toThrow(UnprocessableError);
    await expect(engine.inspect('emoji😀')).rejects.toThrow(InvalidIdentifierError);
    const before = requests.length;
    await expect(engine.grant('x'.repeat(65), ['hoop_ro'])).rejects.toThrow(InvalidIdentifierError);
    expect(requests.length).toBe(before);
  });

  it('names the first schema in the credentials', () => {
    expect(engine.credentialsDatabase(['shop', 'app'])).toBe('app');
    expect(engine.credentialsDatabase([])).toBe('');
  });
});
