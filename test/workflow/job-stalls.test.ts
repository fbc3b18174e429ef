import { beforeAll, describe, expect, it } from 'vitest';
import { apiAs, newOrg } from '../support/api';
import { type LocalCluster, newLocalCluster } from '../support/clusters';
import { allHandlerLogs } from '../support/logs';
import { clearDataApiFaults, stallDataApi } from '../support/postgres';
import { type Api, startJob, waitForJob } from './jobs';

describe('a DB role job whose database stalls', () => {
  const org = newOrg('stalls');
  let admin: Api;
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await newLocalCluster('stalls');
    admin = await apiAs({ org, groups: ['admin'] });
  });

  it('ends failed with a clear message, not SDK text, and frees the cluster', async () => {
    // Prepare: every call waits longer than the Data API timeout of the test stack (10 s), as a
    // database that stopped answering would.
    await stallDataApi(cluster.secret_arn, { count: 9, delayMs: 12_000 });

    // Act
    const id = await startJob(admin, { aws: { instance_arn: cluster.cluster_arn }, connection_prefix_name: 'stall-' });
    const job = await waitForJob(admin, id, 55_000);

    // Assess
    expect(job.status).toMatchObject({ phase: 'failed', message: 'One or more user roles failed to be provisioned' });
    for (const result of job.status.result) {
      expect(result).toMatchObject({ status: 'failed', message: 'the database did not answer within 10 s' });
    }
    const logged = allHandlerLogs()
      .split('\n')
      .filter((line) => line.includes(id));
    expect(logged.join('\n')).not.toMatch(/@smithy|node-http-handler/);
    // The lock was released: the next job runs once the database answers again.
    await clearDataApiFaults(cluster.secret_arn);
    expect((await waitForJob(admin, await startJob(admin, { aws: { instance_arn: cluster.cluster_arn }, connection_prefix_name: 'stall-' }))).status.phase).toBe('completed');
  }, 90_000);
});
