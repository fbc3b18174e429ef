import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiAs, itemsOfOrg, newOrg } from '../support/api';
import { type LocalCluster, newLocalCluster } from '../support/clusters';
import { loginAs } from '../support/postgres';
import { type Api, executions, revealSecret, sendTagChange, startJob, waitForJob } from './jobs';

describe('a cluster belongs to the first org that runs a job on it', () => {
  const owner = newOrg('owner');
  const intruder = newOrg('intruder');
  let ownerApi: Api;
  let intruderApi: Api;
  let cluster: LocalCluster;

  const jobOn = (body: Record<string, unknown>) => ({ aws: { instance_arn: cluster.cluster_arn }, connection_prefix_name: 'conn-', ...body });
  /** The password the service keeps for a role of this cluster (the database store). */
  const storedPassword = async (role: string) => (await revealSecret(ownerApi, cluster.cluster_id, `${role}_${cluster.cluster_id}`))['envvar:PASS'] ?? '';
  const login = (role: string, password: string) => loginAs(role, password, 'postgres', cluster.postgres_url);

  beforeAll(async () => {
    cluster = await newLocalCluster('ownership');
    [ownerApi, intruderApi] = await Promise.all([apiAs({ org: owner, groups: ['admin'] }), apiAs({ org: intruder, groups: ['admin'] })]);
  });

  it('answers 409 to another org, records nothing for it, and leaves the owner\'s passwords working', async () => {
    // Prepare: the owner's job claims the cluster
    const first = await waitForJob(ownerApi, await startJob(ownerApi, jobOn({})));
    expect(first.status.phase).toBe('completed');
    const password = await storedPassword('hoop_ro');

    // Act: another org, by the cluster and by its instance, and by a tag change (the trigger's org is another org too)
    const byCluster = await intruderApi('POST', '/dbroles/jobs', { body: jobOn({}) });
    const byInstance = await intruderApi('POST', '/dbroles/jobs', { body: { aws: { instance_arn: cluster.instance_arn }, connection_prefix_name: 'x-' } });
    const tagged = await sendTagChange(randomUUID(), cluster.cluster_arn);

    // Assess
    for (const answer of [byCluster, byInstance]) expect(answer).toMatchObject({ status: 409, body: { message: 'cluster is managed by another organization' } });
    expect(tagged.delivered).toMatchObject([{ rule: 'provision-on-tag', result: { skipped: 'cluster is managed by another organization' } }]);
    expect(await itemsOfOrg(intruder)).toEqual([]);
    expect(((await intruderApi('GET', '/dbroles/jobs')).body as { items: unknown[] }).items).toEqual([]);
    expect((await executions()).filter((execution) => execution.input.includes(intruder))).toEqual([]);
    const session = await login('hoop_ro', password);
    await session.end();
  });
});
