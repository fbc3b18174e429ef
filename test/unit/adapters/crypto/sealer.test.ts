import { randomBytes } from 'node:crypto';
import { KMSClient } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { kmsKeyring, localAesKeyring } from '../../../../functions/adapters/crypto/keyrings';
import { EnvelopeSecretSealer, SealedValueMismatchError } from '../../../../functions/adapters/crypto/sealer';
import type { SecretContext } from '../../../../functions/core/secrets';
import { answering } from '../answering';

const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const context: SecretContext = { org: 'org-a', resource: 'res-1', role: 'ro', field: 'secret.envvar:PASS' };

/** KMS as the SDK sees it over HTTP: data keys made and unwrapped here, every call counted with its encryption context. */
function fakeKms() {
  const wrapped = new Map<string, Buffer>();
  const calls: { operation: string; context: unknown }[] = [];
  const client = new KMSClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: answering((body) => {
      const request = JSON.parse(body) as { CiphertextBlob?: string; EncryptionContext?: unknown };
      const json = (value: unknown) => ({ status: 200, contentType: 'application/x-amz-json-1.1', body: JSON.stringify(value) });
      if (request.CiphertextBlob) {
        calls.push({ operation: 'Decrypt', context: request.EncryptionContext });
        const key = wrapped.get(request.CiphertextBlob);
        if (!key) return { status: 400, contentType: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: 'InvalidCiphertextException', message: 'no' }) };
        return json({ KeyId: KEY_ARN, Plaintext: key.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
      }
      calls.push({ operation: 'GenerateDataKey', context: request.EncryptionContext });
      const key = randomBytes(32);
      const blob = randomBytes(64).toString('base64');
      wrapped.set(blob, key);
      return json({ KeyId: KEY_ARN, Plaintext: key.toString('base64'), CiphertextBlob: blob });
    }),
  });
  return { client, calls };
}

describe('EnvelopeSecretSealer', () => {
  it('seals a value as enc:v1:<base64> that holds no form of it, and opens it back', async () => {
    // Prepare
    const sealer = new EnvelopeSecretSealer(localAesKeyring(randomBytes(32)));
    const secret = 'pässwörd: "hunter2" 🔑';

    // Act
    const sealed = await sealer.seal(secret, context);
    const again = await sealer.seal(secret, context);

    // Assess
    expect(sealed).toMatch(/^enc:v1:[A-Za-z0-9+/]+=*$/);
    expect(again).not.toBe(sealed);
    const bytes = Buffer.from(sealed.slice('enc:v1:'.length), 'base64');
    for (const form of [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex')]) {
      expect(sealed).not.toContain(form);
      expect(bytes.includes(Buffer.from(secret))).toBe(false);
    }
    expect(await sealer.open(sealed, context)).toBe(secret);
  });

  it('refuses to open a value somewhere it was not sealed for: another org, resource, role or field', async () => {
    // Prepare
    const sealer = new EnvelopeSecretSealer(localAesKeyring(randomBytes(32)));
    const sealed = await sealer.seal('s3cret', context);
    const elsewhere: SecretContext[] = [
      { ...context, org: 'org-b' },
      { ...context, resource: 'res-2' },
      { ...context, role: 'rw' },
      { ...context, field: 'secret.envvar:USER' },
      { org: context.org, resource: context.resource, field: context.field },
    ];

    // Act
    const opened = await Promise.allSettled(elsewhere.map((other) => sealer.open(sealed, other)));

    // Assess
    for (const result of opened) {
      expect(result.status).toBe('rejected');
      const reason = (result as PromiseRejectedResult).reason as Error;
      expect(reason).toBeInstanceOf(SealedValueMismatchError);
      expect(reason.message).not.toContain(sealed.slice(7, 40));
    }
  });

  it('refuses a value sealed under another key, or tampered with', async () => {
    // Prepare
    const sealer = new EnvelopeSecretSealer(localAesKeyring(randomBytes(32)));
    const sealed = await new EnvelopeSecretSealer(localAesKeyring(randomBytes(32))).seal('s3cret', context);
    const own = Buffer.from((await sealer.seal('s3cret', context)).slice(7), 'base64');
    own[own.length - 5] = (own[own.length - 5] ?? 0) ^ 1;

    // Act + Assess
    await expect(sealer.open(sealed, context)).rejects.toThrow();
    await expect(sealer.open(`enc:v1:${own.toString('base64')}`, context)).rejects.toThrow();
    await expect(sealer.open('s3cret', context)).rejects.toThrow(SealedValueMismatchError);
  });

  it('asks KMS for one data key per field and remembers it, and unwraps each once per container, passing the context to KMS', async () => {
    // Prepare
    const kms = fakeKms();
    const sealer = new EnvelopeSecretSealer(kmsKeyring(KEY_ARN, kms.client));
    const other = { ...context, field: 'secret.envvar:USER' };

    // Act
    const sealed: string[] = [];
    for (let index = 0; index < 20; index++) sealed.push(await sealer.seal(`password-${index}`, index % 2 === 0 ? context : other));
    const sealedCalls = kms.calls.length;
    const opened = [];
    for (const [index, value] of sealed.entries()) opened.push(await sealer.open(value, index % 2 === 0 ? context : other));
    const warmDecrypts = kms.calls.filter((call) => call.operation === 'Decrypt').length;
    // A fresh container remembers nothing: each data key is decrypted once.
    const cold = new EnvelopeSecretSealer(kmsKeyring(KEY_ARN, kms.client));
    for (const [index, value] of sealed.entries()) await cold.open(value, index % 2 === 0 ? context : other);

    // Assess
    expect(opened).toEqual(Array.from({ length: 20 }, (_, index) => `password-${index}`));
    expect(sealedCalls).toBe(2);
    expect(kms.calls.slice(0, sealedCalls).every((call) => call.operation === 'GenerateDataKey')).toBe(true);
    expect(warmDecrypts).toBe(2);
    expect(kms.calls.filter((call) => call.operation === 'Decrypt')).toHaveLength(4);
    expect(kms.calls[0]?.context).toMatchObject({ org: 'org-a', resource: 'res-1' });
  });
});
