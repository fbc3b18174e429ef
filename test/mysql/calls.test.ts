import type { RDSDataClient } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_ROLES, type JobRole } from '../../functions/core/dbroles/model';
import type { JobEngine } from '../../functions/core/dbroles/engine';
import { generatePassword } from '../../functions/core/postgres/password';
import type { LocalMysqlClusterInfo } from '../../infra/local/stack';
import { dataApiClient } from '../conformance/clients';
import { backtick, connectMysql, invokedMysqlEngine, mysqlInstalled, newLocalMysqlCluster } from '../support/mysql';
import { dataApiCalls } from '../support/postgres';

/**
 * What a MySQL job on 20 schemas costs in Data API calls (counted by the local Data API, per secret:
 * this file's cluster has its own), split into what the job does once and what each job role adds.
 * The wall time is printed, not asserted.
 */
const SCHEMAS = Array.from({ length: 20 }, (_, index) => `bench_${String(index).padStart(2, '0')}`);

describe.skipIf(!mysqlInstalled())('a MySQL job on 20 schemas', () => {
  let cluster: LocalMysqlClusterInfo;
  let client: RDSDataClient;
  let engine: JobEngine;

  beforeAll(async () => {
    cluster = await newLocalMysqlCluster('calls');
    const master = await connectMysql(cluster.mysql_url);
    // Only this file's schemas: the demo ones go.
    for (const demo of ['shop', 'reporting']) await master.query(`DROP DATABASE ${backtick(demo)}`);
    for (const schema of SCHEMAS) await master.query(`CREATE DATABASE ${backtick(schema)}`);
    await master.end();
    client = dataApiClient();
    engine = invokedMysqlEngine(client, cluster);
  });

  afterAll(() => client?.destroy());

  it('makes two calls to list (the schemas, partial_revokes), one per schema to inspect, and per job role two to log in and one per schema to grant', async () => {
    const counted = async (work: () => Promise<unknown>) => {
      const before = await dataApiCalls(cluster.secret_arn);
      await work();
      return (await dataApiCalls(cluster.secret_arn)) - before;
    };
    const started = performance.now();
    let targets: string[] = [];
    const listing = await counted(async () => {
      targets = await engine.listTargets();
    });
    const inspecting = await counted(async () => {
      for (const target of targets) await engine.inspect(target);
    });
    const perRole = {} as Record<JobRole, number>;
    for (const jobRole of JOB_ROLES) {
      perRole[jobRole] = await counted(async () => {
        await engine.login(jobRole, generatePassword());
        for (const target of targets) await engine.grant(target, [jobRole]);
      });
    }
    const wallMs = performance.now() - started;

    expect(targets).toEqual(SCHEMAS);
    expect({ listing, inspecting, perRole }).toEqual({ listing: 2, inspecting: 20, perRole: { hoop_ro: 22, hoop_rw: 22, hoop_ddl: 22 } });
    process.stdout.write(`MySQL job on ${targets.length} schemas: ${listing + inspecting} shared calls + ${perRole.hoop_ro} per role = ${listing + inspecting + 3 * perRole.hoop_ro} Data API calls, ${Math.round(wallMs)} ms (local Data API, sequential)\n`);
  });
});
