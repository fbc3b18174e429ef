import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { cachedAtColdStart } from '../../../../functions/adapters/cached-at-cold-start';
import { readSecretString } from '../../../../functions/adapters/secrets-manager/secret-string';
import { answering } from '../answering';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-access/vault-token-AbCdEf';

/** Secrets Manager over HTTP, answering GetSecretValue as AWS documents it, and counting the reads. */
function secretsManager(answer: () => { status: number; body: Record<string, unknown> }) {
  const requests: unknown[] = [];
  const client = new SecretsManagerClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: answering((body) => {
      requests.push(JSON.parse(body));
      const { status, body: json } = answer();
      return { status, contentType: 'application/x-amz-json-1.1', body: JSON.stringify(json) };
    }),
  });
  return { client, requests };
}

describe('the Vault token from Secrets Manager', () => {
  it('reads the secret string once, when the function starts, and keeps it', async () => {
    // Prepare
    const sm = secretsManager(() => ({ status: 200, body: { ARN, Name: 'db-access/vault-token', SecretString: 'hvs.token', VersionId: 'v1' } }));

    // Act
    const token = cachedAtColdStart(() => readSecretString(sm.client, ARN));
    const values = [await token(), await token(), await token()];

    // Assess
    expect(values).toEqual(['hvs.token', 'hvs.token', 'hvs.token']);
    expect(sm.requests).toEqual([{ SecretId: ARN }]);
  });

  it('tries again on the next call after a failed read, rather than keeping the failure', async () => {
    // Prepare
    let calls = 0;
    const sm = secretsManager(() =>
      ++calls === 1 ? { status: 400, body: { __type: 'AccessDeniedException', message: 'not allowed' } } : { status: 200, body: { ARN, SecretString: 'hvs.second' } },
    );

    // Act
    const token = cachedAtColdStart(() => readSecretString(sm.client, ARN));
    const first = await token().catch((error: Error) => error);
    const second = await token();

    // Assess
    expect(first).toBeInstanceOf(Error);
    expect(second).toBe('hvs.second');
    expect(sm.requests).toHaveLength(2);
  });

  it('refuses a secret without a string value, naming the secret', async () => {
    // Prepare
    const sm = secretsManager(() => ({ status: 200, body: { ARN, SecretBinary: 'AAEC' } }));

    // Act + Assess
    await expect(readSecretString(sm.client, ARN)).rejects.toThrow(`secret ${ARN} has no string value`);
  });
});
