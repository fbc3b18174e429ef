import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiAs, itemsOfOrg, newOrg } from '../support/api';
import { type LocalCluster, newLocalCluster } from '../support/clusters';
import { allHandlerLogs } from '../support/logs';
import { createDatabase, injectDataApiFaults, loginAs, masterClient, newDatabaseName, runAs, tryQuery } from '../support/postgres';
import { JOB_DATABASES_SQL } from '../../functions/core/postgres/catalog';
import { type Api, executions, type Job, revealSecret, sendTagChange, startJob as startJobOf, waitForFinishedEvent, waitForJob as waitForJobOf } from './jobs';

const AWKWARD = [`Weird "Schema"`, 'semi;colon', 'ünï cödé'];
const databases = [newDatabaseName('jobs_a'), newDatabaseName('jobs_b'), newDatabaseName('jobs_c')];
const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

describe('DB role jobs, run by the local workflow against PostgreSQL', () => {
  const org = newOrg('jobs');
  let admin: Api;
  // A cluster of this file's own: the org below owns it, and its lock is this file's alone.
  let cluster: LocalCluster;
  const passwords: string[] = [];

  const startJob = (body: Record<string, unknown> = {}) => startJobOf(admin, { aws: { instance_arn: cluster.cluster_arn }, connection_prefix_name: 'local-', ...body });
  const waitForJob = (id: string) => waitForJobOf(admin, id);
  const login = (role: string, password: string, database: string) => loginAs(role, password, database, cluster);

  const credentialsOf = async (role: string) => {
    const password = (await revealSecret(admin, cluster.cluster_id, `${role}_${cluster.cluster_id}`))['envvar:PASS'] ?? '';
    passwords.push(password);
    return password;
  };

  /** How many databases a job on the cluster lists (as its first Task does). */
  const countJobDatabases = async () => {
    const client = await masterClient('postgres', cluster);
    try {
      return (await client.query(JOB_DATABASES_SQL)).rowCount ?? 0;
    } finally {
      await client.end();
    }
  };

  /** Every privilege the job roles hold on the job test's databases: what a second run must not change. */
  const grantsSnapshot = async () => {
    const rows: string[] = [];
    for (const database of databases) {
      const client = await masterClient(database, cluster);
      const { rows: found } = await client.query(`
        SELECT n.nspname || '.' || c.relname || ':' || a.privilege_type || ':' || r.rolname AS grant
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a JOIN pg_roles r ON r.oid = a.grantee
        WHERE r.rolname LIKE 'hoop\\_%'
        UNION ALL
        SELECT 'default:' || n.nspname || ':' || d.defaclobjtype::text || ':' || a.privilege_type || ':' || r.rolname
        FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace, aclexplode(d.defaclacl) a JOIN pg_roles r ON r.oid = a.grantee
        WHERE r.rolname LIKE 'hoop\\_%'
        ORDER BY 1`);
      await client.end();
      rows.push(...found.map((row: { grant: string }) => `${database}/${row.grant}`));
    }
    return rows;
  };

  beforeAll(async () => {
    cluster = await newLocalCluster('jobs');
    for (const database of databases) {
      await createDatabase(
        database,
        `CREATE SCHEMA app;
         CREATE TABLE app.items (id serial PRIMARY KEY, name text);
         INSERT INTO app.items (name) VALUES ('first');
         ${AWKWARD.map((schema) => `CREATE SCHEMA ${quoted(schema)}; CREATE TABLE ${quoted(schema)}.t (id serial PRIMARY KEY, v text);`).join('\n')}`,
        cluster,
      );
    }
    admin = await apiAs({ org, groups: ['admin'] });
  });

  afterAll(async () => {
    // No password in the local execution history, the job records or the handler logs.
    const history = JSON.stringify(await executions());
    const jobs = JSON.stringify((await itemsOfOrg(org)).filter((item) => String(item.sk).startsWith('JOB#')));
    const logs = allHandlerLogs();
    expect(passwords.length).toBeGreaterThan(0);
    for (const password of passwords.filter(Boolean)) {
      expect(history).not.toContain(password);
      expect(jobs).not.toContain(password);
      expect(logs).not.toContain(password);
    }
  });

  it('provisions hoop_ro, hoop_rw and hoop_ddl in every database and schema, and each can do what it should', async () => {
    // Act
    const id = await startJob({ job_steps: ['create-connections', 'send-webhook'] });
    const running = (await admin('GET', `/dbroles/jobs/${id}`)).body as Job;
    const job = await waitForJob(id);

    // Assess: the job
    expect(running.completed_at === null || running.status.phase !== 'running').toBe(true);
    expect(job).toMatchObject({
      id,
      org_id: org,
      spec: { db_arn: cluster.cluster_arn, db_engine: 'aurora-postgresql', db_name: 'postgres', account_arn: 'arn:aws:iam::000000000000:user/local', db_tags: [{ key: 'env', value: 'local' }] },
      status: { phase: 'completed', message: 'All user roles have been successfully provisioned' },
    });
    expect(job.completed_at).not.toBeNull();
    expect(job.status.result.map((result) => [result.user_role, result.status])).toEqual([
      ['hoop_ro', 'completed'],
      ['hoop_rw', 'completed'],
      ['hoop_ddl', 'completed'],
    ]);
    expect(job.status.result[0]?.credentials_info).toEqual({ secrets_manager_provider: 'database', secret_id: '', secret_keys: [] });

    // Assess: log in as each role, in every database and awkward schema
    const [ro, rw, ddl] = [await credentialsOf('hoop_ro'), await credentialsOf('hoop_rw'), await credentialsOf('hoop_ddl')];
    for (const database of databases) {
      const asRo = await login('hoop_ro', ro, database);
      const asRw = await login('hoop_rw', rw, database);
      const asDdl = await login('hoop_ddl', ddl, database);
      try {
        for (const schema of ['app', ...AWKWARD]) {
          const table = schema === 'app' ? 'app.items' : `${quoted(schema)}.t`;
          const column = schema === 'app' ? 'name' : 'v';
          expect(await tryQuery(asRo, `SELECT * FROM ${table}`), `${database} ${table}`).toMatchObject({ ok: true });
          expect(await tryQuery(asRo, `INSERT INTO ${table} (${column}) VALUES ('x')`)).toMatchObject({ ok: false, code: '42501' });
          expect(await tryQuery(asRw, `INSERT INTO ${table} (${column}) VALUES ('from rw') RETURNING id`), `${database} ${table}`).toMatchObject({ ok: true });
          expect(await tryQuery(asRw, `CREATE TABLE ${quoted(schema)}.rw_made (id int)`)).toMatchObject({ ok: false, code: '42501' });
        }
        expect(await tryQuery(asDdl, 'CREATE TABLE app.ddl_made (id int)')).toMatchObject({ ok: true });
        expect(await tryQuery(asDdl, 'TRUNCATE app.ddl_made')).toMatchObject({ ok: true });
      } finally {
        await Promise.all([asRo.end(), asRw.end(), asDdl.end()]);
      }
    }

    // A table created afterwards by the application's role is readable by hoop_ro.
    await runAs(`${databases[0]}_app`, databases[0] ?? '', 'CREATE TABLE app.later (id int); INSERT INTO app.later VALUES (7)', cluster);
    const later = await login('hoop_ro', ro, databases[0] ?? '');
    expect(await tryQuery(later, 'SELECT id FROM app.later')).toMatchObject({ ok: true, rows: [{ id: 7 }] });
    await later.end();

    // The connections were created, and the finished job was published for the webhook.
    const resource = (await admin('GET', `/resources/${cluster.cluster_id}`)).body as { roles: { name: string; managed_by: string }[] };
    expect(resource.roles.map((role) => role.name)).toEqual(expect.arrayContaining(['local-ro', 'local-rw', 'local-ddl', `hoop_ro_${cluster.cluster_id}`]));
    expect(resource.roles.every((role) => role.managed_by === 'dbroles')).toBe(true);
    const finished = await waitForFinishedEvent(id);
    expect(finished?.detail.event_payload.status.phase).toBe('completed');
  });

  it('runs again safely: only the passwords change', async () => {
    // Prepare: a run that completes what the previous test added (ddl_made is owned by hoop_ddl now)
    expect((await waitForJob(await startJob())).status.phase).toBe('completed');
    const before = await grantsSnapshot();
    const oldPassword = await credentialsOf('hoop_ro');

    // Act
    const job = await waitForJob(await startJob());

    // Assess
    expect(job.status.phase).toBe('completed');
    expect(await grantsSnapshot()).toEqual(before);
    const newPassword = await credentialsOf('hoop_ro');
    expect(newPassword).not.toBe(oldPassword);
    await expect(login('hoop_ro', oldPassword, databases[0] ?? '')).rejects.toThrow(/password authentication failed/);
    const session = await login('hoop_ro', newPassword, databases[0] ?? '');
    await session.end();
  });

  it('retries a transient Data API error in the workflow, and the job completes', async () => {
    // Prepare: the first call (the listing of the databases) fails more often than the Task retries
    // by itself (3 attempts), so the workflow's Retry must act; the faults run out after a few rounds.
    await injectDataApiFaults(cluster.secret_arn, 10, 'DatabaseResumingException');

    // Act
    const id = await startJob();
    const job = await waitForJob(id);

    // Assess
    expect(job.status.phase).toBe('completed');
    const execution = (await executions()).find((candidate) => candidate.name === id);
    expect(execution?.status).toBe('SUCCEEDED');
    // A retry is a new LambdaFunctionScheduled after a LambdaFunctionFailed, in the same TaskStateEntered.
    const count = (type: string) => execution?.events.filter((event) => event.type === type).length ?? 0;
    expect(count('LambdaFunctionFailed')).toBeGreaterThan(0);
    expect(count('LambdaFunctionScheduled')).toBe(count('TaskStateEntered') + count('LambdaFunctionFailed'));
  });

  it('fails the role that meets a permanent error, and the job with it, with their messages', async () => {
    // Prepare: the first login's call fails for good (a database error is never retried). Before it
    // come the listing of the databases and one inspection of each.
    const listed = await countJobDatabases();
    await injectDataApiFaults(cluster.secret_arn, 1, 'DatabaseErrorException', 'ERROR: permission denied for database postgres; SQLState: 42501', 1 + listed);

    // Act
    const id = await startJob();
    const job = await waitForJob(id);

    // Assess
    expect(job.status).toMatchObject({ phase: 'failed', message: 'One or more user roles failed to be provisioned' });
    const failed = job.status.result.filter((result) => result.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.message).toBe('ERROR: permission denied for database postgres; SQLState: 42501');
    expect(failed[0]?.completed_at).not.toBeNull();
    expect(job.status.result.filter((result) => result.status === 'completed')).toHaveLength(2);
    const execution = (await executions()).find((candidate) => candidate.name === id);
    // The Catch: the failed Task exits and RecordRoleFailure runs.
    expect(execution?.events.some((event) => event.type === 'TaskStateEntered' && event.stateEnteredEventDetails?.name === 'RecordRoleFailure')).toBe(true);
    // The Task's log line says why (a field named `message` would be dropped by the logger).
    const logged = allHandlerLogs()
      .split('\n')
      .filter((line) => line.includes(id) && line.includes('role provisioning failed'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toEqual([expect.objectContaining({ level: 'WARN', job_id: id, role: failed[0]?.user_role, reason: 'ERROR: permission denied for database postgres; SQLState: 42501' })]);
    // The lock was released: the next job runs.
    expect((await waitForJob(await startJob())).status.phase).toBe('completed');
  });

  it('runs exactly one of two jobs started at once on one database', async () => {
    // Act
    const [first, second] = await Promise.all([startJob(), startJob()]);
    const jobs = await Promise.all([waitForJob(first), waitForJob(second)]);

    // Assess
    const refused = jobs.filter((job) => job.status.message.startsWith('process already being executed'));
    expect(refused).toHaveLength(1);
    expect(refused[0]?.status).toMatchObject({ phase: 'failed', message: `process already being executed, resource_id=${cluster.cluster_arn}` });
    expect(jobs.filter((job) => job.status.phase === 'completed')).toHaveLength(1);
    const started = (await executions()).filter((execution) => execution.name === first || execution.name === second);
    expect(started).toHaveLength(1);
  });

  it('stores the credentials in Vault KV v2 when asked, checked with its token', async () => {
    // Act
    const job = await waitForJob(await startJob({ vault_provider: { secret_id: 'dbsecrets/data/' }, job_steps: ['create-connections'], connection_prefix_name: 'vaulted-' }));

    // Assess
    expect(job.status.phase).toBe('completed');
    expect(job.status.result[0]?.credentials_info).toEqual({
      secrets_manager_provider: 'vault',
      secret_id: `dbsecrets/data/hoop_ro_${cluster.cluster_id}`,
      secret_keys: ['HOST', 'PORT', 'USER', 'PASSWORD', 'DB'],
    });
    const writes = (await (await fetch(`${inject('stack').vaultAddress}/_test/writes`)).json()) as Record<string, Record<string, string>>;
    const written = writes[`dbsecrets/data/hoop_ro_${cluster.cluster_id}`];
    expect(written).toMatchObject({ USER: 'hoop_ro', HOST: '127.0.0.1', DB: 'postgres' });
    passwords.push(written?.PASSWORD ?? '');
    const session = await login('hoop_ro', written?.PASSWORD ?? '', databases[1] ?? '');
    await session.end();
    expect(await revealSecret(admin, cluster.cluster_id, 'vaulted-ro')).toMatchObject({ 'envvar:PASS': `_vaultkv2:dbsecrets/data/hoop_ro_${cluster.cluster_id}:PASSWORD` });
  });

  it('answers 422 with the reason for databases the Data API cannot serve, and 404 for unknown ones', async () => {
    // Prepare
    const arn = (kind: string, id: string) => `arn:aws:rds:us-east-1:000000000000:${kind}:${id}`;

    // Act
    const standalone = await admin('POST', '/dbroles/jobs', { body: { aws: { instance_arn: arn('db', 'local-postgres-standalone') }, connection_prefix_name: 'x-' } });
    const unmanaged = await admin('POST', '/dbroles/jobs', { body: { aws: { instance_arn: arn('cluster', 'local-aurora-unmanaged') }, connection_prefix_name: 'x-' } });
    const unknown = await admin('POST', '/dbroles/jobs', { body: { aws: { instance_arn: arn('cluster', 'nope') }, connection_prefix_name: 'x-' } });
    const badArn = await admin('POST', '/dbroles/jobs', { body: { aws: { instance_arn: 'arn:aws:s3:::bucket' }, connection_prefix_name: 'x-' } });
    const badStep = await admin('POST', '/dbroles/jobs', { body: { aws: { instance_arn: cluster.cluster_arn }, connection_prefix_name: 'x-', job_steps: ['reboot'] } });
    const viaInstance = await admin('POST', '/dbroles/jobs', { body: { aws: { instance_arn: cluster.instance_arn }, connection_prefix_name: 'inst-' } });

    // Assess
    expect(standalone).toMatchObject({ status: 422, body: { message: expect.stringContaining('not part of an Aurora cluster') } });
    expect(unmanaged).toMatchObject({ status: 422, body: { message: expect.stringContaining('has no RDS-managed master user secret') } });
    expect(unknown.status).toBe(404);
    expect(badArn).toMatchObject({ status: 400, body: { errors: [{ path: 'aws.instance_arn' }] } });
    expect(badStep).toMatchObject({ status: 400, body: { errors: [{ path: 'job_steps.0' }] } });
    expect(viaInstance.status).toBe(202);
    const job = await waitForJob((viaInstance.body as { job_id: string }).job_id);
    expect(job.spec.db_arn).toBe(cluster.cluster_arn);
  });

  it('lists jobs newest first with pagination, to admins and auditors only, per org', async () => {
    // Act
    const firstPage = await admin('GET', '/dbroles/jobs?page_size=2');
    const auditor = await (await apiAs({ org, groups: ['auditor'] }))('GET', '/dbroles/jobs');
    const standard = await (await apiAs({ org, groups: ['dev'] }))('GET', '/dbroles/jobs');
    const otherOrg = await (await apiAs({ org: newOrg(), groups: ['admin'] }))('GET', '/dbroles/jobs');

    // Assess
    const page = firstPage.body as { items: Job[]; next_token: string | null };
    expect(page.items).toHaveLength(2);
    expect(page.next_token).not.toBeNull();
    expect(Date.parse(page.items[0]?.created_at ?? '')).toBeGreaterThanOrEqual(Date.parse(page.items[1]?.created_at ?? ''));
    expect(auditor.status).toBe(200);
    expect(standard.status).toBe(403);
    expect(otherOrg.body).toEqual({ items: [], next_token: null });
    expect((await admin('GET', '/dbroles/jobs/0195a8c2-7f3e-7000-8000-000000000000')).status).toBe(404);
  });
});

describe('the tag trigger', () => {
  it('starts one job per tag change event, for the org of the deployment settings', async () => {
    // Prepare: a cluster of its own, which the trigger's org comes to own
    const stack = inject('stack');
    const cluster = await newLocalCluster('trigger');
    const local = await apiAs({ org: stack.triggerOrg, groups: ['admin'] });
    const before = ((await local('GET', '/dbroles/jobs?page_size=100')).body as { items: Job[] }).items.length;
    const eventId = randomUUID();

    // Act
    const first = await sendTagChange(eventId, cluster.cluster_arn);
    const again = await sendTagChange(eventId, cluster.cluster_arn);
    const otherValue = await sendTagChange(randomUUID(), cluster.cluster_arn, 'false');

    // Assess
    expect(first.delivered).toMatchObject([{ rule: 'provision-on-tag', result: { job_id: expect.any(String) } }]);
    expect(again.delivered).toMatchObject([{ rule: 'provision-on-tag', result: { skipped: 'event already handled' } }]);
    expect(otherValue.delivered).toEqual([]);
    const jobs = ((await local('GET', '/dbroles/jobs?page_size=100')).body as { items: Job[] }).items;
    expect(jobs.length).toBe(before + 1);
    const job = jobs.find((candidate) => candidate.id === first.delivered[0]?.result?.job_id);
    expect(job?.org_id).toBe(stack.triggerOrg);
    expect(job?.spec.db_arn).toBe(cluster.cluster_arn);
  });
});
