import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiAs, itemsOfOrg, newOrg } from '../support/api';
import { type LocalCluster, newLocalCluster } from '../support/clusters';
import { loginAs } from '../support/postgres';
import { type Api, executions, revealSecret, sendTagChange, startJob, waitForJob } from './jobs';

const ROLES = ['hoop_ro', 'hoop_rw', 'hoop_ddl'] as const;
const suffix = (role: string) => role.replace('hoop_', '');

describe('a cluster belongs to the first org that runs a job on it', () => {
  const owner = newOrg('owner');
  const intruder = newOrg('intruder');
  let ownerApi: Api;
  let intruderApi: Api;
  let cluster: LocalCluster;

  const jobOn = (body: Record<string, unknown>) => ({ aws: { instance_arn: cluster.cluster_arn }, connection_prefix_name: 'conn-', ...body });
  /** The password the service keeps for a role of this cluster (the database store). */
  const storedPassword = async (role: string) => (await revealSecret(ownerApi, cluster.cluster_id, `${role}_${cluster.cluster_id}`))['envvar:PASS'] ?? '';
  const login = (role: string, password: string) => loginAs(role, password, 'postgres', cluster);

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

  it('gives every earlier connection of a role the current password, and the references when it moves to Vault', async () => {
    // Prepare: connections of a first job, then a second job with another prefix resets the passwords
    expect((await waitForJob(ownerApi, await startJob(ownerApi, jobOn({ connection_prefix_name: 'early-', job_steps: ['create-connections'] })))).status.phase).toBe('completed');
    const early = await revealSecret(ownerApi, cluster.cluster_id, 'early-ro');

    // Act
    const second = await waitForJob(ownerApi, await startJob(ownerApi, jobOn({ connection_prefix_name: 'later-', job_steps: ['create-connections'] })));

    // Assess: each role's earlier connection reveals the current password, which logs in; the old one does not
    expect(second.status.phase).toBe('completed');
    for (const role of ROLES) {
      const current = await storedPassword(role);
      const earlier = await revealSecret(ownerApi, cluster.cluster_id, `early-${suffix(role)}`);
      const later = await revealSecret(ownerApi, cluster.cluster_id, `later-${suffix(role)}`);
      expect(earlier['envvar:PASS'], role).toBe(current);
      expect(later['envvar:PASS'], role).toBe(current);
      expect(earlier['envvar:USER']).toBe(role);
      const session = await login(role, earlier['envvar:PASS'] ?? '');
      await session.end();
    }
    expect(early['envvar:PASS']).not.toBe(await storedPassword('hoop_ro'));
    await expect(login('hoop_ro', early['envvar:PASS'] ?? '')).rejects.toThrow(/password authentication failed/);

    // Act: a job that keeps the passwords in Vault
    const vaulted = await waitForJob(ownerApi, await startJob(ownerApi, jobOn({ vault_provider: { secret_id: 'dbsecrets/data/' } })));

    // Assess: every stored copy now points at Vault, where the password that logs in is
    expect(vaulted.status.phase).toBe('completed');
    const path = `dbsecrets/data/hoop_ro_${cluster.cluster_id}`;
    for (const role of ['early-ro', 'later-ro', `hoop_ro_${cluster.cluster_id}`]) {
      expect(await revealSecret(ownerApi, cluster.cluster_id, role), role).toMatchObject({ 'envvar:USER': `_vaultkv2:${path}:USER`, 'envvar:PASS': `_vaultkv2:${path}:PASSWORD` });
    }
    const writes = (await (await fetch(`${inject('stack').vaultAddress}/_test/writes`)).json()) as Record<string, Record<string, string>>;
    const session = await login('hoop_ro', writes[path]?.PASSWORD ?? '');
    await session.end();
  });
});
