import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpVaultWriter } from '../../../functions/adapters/vault';
import { freePort } from '../../../infra/local/ports';
import { type FakeVault, startFakeVault } from '../../support/vault-server';

describe('HttpVaultWriter', () => {
  let vault: FakeVault;

  beforeAll(async () => {
    vault = await startFakeVault(await freePort(), 'right-token');
  });

  afterAll(async () => {
    await vault.stop();
  });

  it('writes KV v2 data at the path, with the token', async () => {
    await new HttpVaultWriter(vault.address, 'right-token').writeKv2('dbsecrets/data/hoop_ro_orders', { USER: 'hoop_ro', PASSWORD: 'p' });
    expect(vault.writes.get('dbsecrets/data/hoop_ro_orders')).toEqual({ USER: 'hoop_ro', PASSWORD: 'p' });
  });

  it("fails with Vault's answer, and neither the token nor the data in the message", async () => {
    const failure = new HttpVaultWriter(vault.address, 'wrong-token').writeKv2('dbsecrets/data/x', { PASSWORD: 'do-not-show' });
    await expect(failure).rejects.toMatchObject({ name: 'VaultError', message: 'vault write to dbsecrets/data/x failed with status 403: permission denied' });
    await expect(new HttpVaultWriter(vault.address, 'wrong-token').writeKv2('a/b', { PASSWORD: 'do-not-show' })).rejects.not.toThrow(/do-not-show|wrong-token/);
  });

  it('reports an unreachable Vault', async () => {
    const port = await freePort();
    await expect(new HttpVaultWriter(`http://127.0.0.1:${port}`, 't', 2000).writeKv2('a/data/b', {})).rejects.toMatchObject({ name: 'VaultError' });
  });
});
