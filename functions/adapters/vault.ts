import type { VaultKv2Writer } from '../core/dbroles/ports';

export class VaultError extends Error {
  override name = 'VaultError';
}

/**
 * Vault KV v2 over its HTTP API: `POST {address}/v1/{path}` with `{"data": …}` and the token in
 * `X-Vault-Token`, as KV v2 expects. Error messages carry Vault's status and errors, never the data
 * or the token.
 */
export class HttpVaultWriter implements VaultKv2Writer {
  constructor(
    private readonly address: string,
    private readonly token: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async writeKv2(path: string, data: Record<string, string>): Promise<void> {
    const url = `${this.address.replace(/\/+$/, '')}/v1/${path.split('/').map(encodeURIComponent).join('/')}`;
    let answer: Response;
    try {
      answer = await fetch(url, {
        method: 'POST',
        headers: { 'x-vault-token': this.token, 'content-type': 'application/json' },
        body: JSON.stringify({ data }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new VaultError(`vault write to ${path} failed: ${(error as Error).message}`);
    }
    if (!answer.ok) {
      const body = (await answer.json().catch(() => ({}))) as { errors?: string[] };
      throw new VaultError(`vault write to ${path} failed with status ${answer.status}${body.errors?.length ? `: ${body.errors.join('; ')}` : ''}`);
    }
  }
}
