import { beforeAll, describe, expect, it } from 'vitest';
import { JOB_ROLES, type JobRole } from '../../functions/core/dbroles/model';
import type { LocalMysqlClusterInfo } from '../../infra/local/stack';
import { apiAs, newOrg } from '../support/api';
import { connectMysql, mysqlInstalled, newLocalMysqlCluster, tryLogin, tryMysql } from '../support/mysql';
import { type Api, executions, revealSecret, startJob, waitForJob } from './jobs';

/**
 * A DB role job on an Aurora MySQL cluster, over HTTP and through the same workflow as PostgreSQL:
 * the Tasks pick the MySQL engine from the cluster's engine. Each user logs in with the password the
 * job stored and tries what it may and may not do.
 */
describe.skipIf(!mysqlInstalled())('DB role jobs on Aurora MySQL, run by the local workflow', () => {
  const org = newOrg('mysql-jobs');
  let admin: Api;
  let cluster: LocalMysqlClusterInfo;

  const passwordOf = async (jobRole: JobRole) => (await revealSecret(admin, cluster.cluster_id, `${jobRole}_${cluster.cluster_id}`))['envvar:PASS'] ?? '';

  beforeAll(async () => {
    cluster = await newLocalMysqlCluster('jobs');
    const master = await connectMysql(cluster.mysql_url);
    try {
      await master.query('CREATE SCHEMA `orders-eu`');
      await master.query('CREATE TABLE `orders-eu`.items (id int PRIMARY KEY, name text)');
      await master.query("INSERT INTO `orders-eu`.items VALUES (1, 'first')");
    } finally {
      await master.end();
    }
    admin = await apiAs({ org, groups: ['admin'] });
  });

  it('provisions hoop_ro, hoop_rw and hoop_ddl on every schema, each can do what it should and no more, and a rerun rotates the passwords', async () => {
    // Act
    const id = await startJob(admin, { aws: { instance_arn: cluster.instance_arn }, connection_prefix_name: 'my-', job_steps: ['create-connections'] });
    const job = await waitForJob(admin, id);

    // Assess
    expect(job.status.phase).toBe('completed');
    expect(job.spec.db_engine).toBe('aurora-mysql');
    const execution = (await executions()).find((candidate) => candidate.name === id);
    expect(execution?.events.some((event) => event.type === 'MapStateStarted')).toBe(true);
    const passwords = Object.fromEntries(await Promise.all(JOB_ROLES.map(async (jobRole) => [jobRole, await passwordOf(jobRole)] as const)));
    const as = (jobRole: JobRole) => connectMysql(cluster.mysql_url, { user: jobRole, password: passwords[jobRole] ?? '' }, 'orders-eu');

    const ro = await as('hoop_ro');
    const rw = await as('hoop_rw');
    const ddl = await as('hoop_ddl');
    try {
      expect(await tryMysql(ro, 'SELECT name FROM items')).toMatchObject({ ok: true, rows: [{ name: 'first' }] });
      expect(await tryMysql(ro, "INSERT INTO items VALUES (2, 'no')")).toMatchObject({ ok: false, errno: 1142 });
      expect(await tryMysql(rw, "INSERT INTO items VALUES (2, 'second')")).toMatchObject({ ok: true });
      expect(await tryMysql(rw, 'CREATE TABLE nope (id int)')).toMatchObject({ ok: false, errno: 1142 });
      expect(await tryMysql(ddl, 'CREATE TABLE later (id int)')).toMatchObject({ ok: true });
      for (const session of [ro, rw, ddl]) expect(await tryMysql(session, 'SELECT * FROM mysql.user')).toMatchObject({ ok: false, errno: 1142 });
    } finally {
      await Promise.all([ro.end(), rw.end(), ddl.end()]);
    }

    // Act: again
    const again = await waitForJob(admin, await startJob(admin, { aws: { instance_arn: cluster.instance_arn }, connection_prefix_name: 'my-' }));

    // Assess: the old password fails, the new one works, the grants stay
    expect(again.status.phase).toBe('completed');
    const rotated = await passwordOf('hoop_ro');
    expect(rotated).not.toBe(passwords.hoop_ro);
    expect(await tryLogin(cluster.mysql_url, 'hoop_ro', passwords.hoop_ro ?? '')).toMatchObject({ ok: false, errno: 1045 });
    const session = await connectMysql(cluster.mysql_url, { user: 'hoop_ro', password: rotated }, 'orders-eu');
    try {
      expect(await tryMysql(session, 'SELECT count(*) AS n FROM items')).toMatchObject({ ok: true, rows: [{ n: 2 }] });
    } finally {
      await session.end();
    }
    // The cluster's resource, which holds the credentials, names the engine.
    expect(await admin('GET', `/resources/${cluster.cluster_id}`)).toMatchObject({ status: 200, body: { name: cluster.cluster_id, subtype: 'mysql' } });
  });
});
