import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { KmsKeyringNode, type KmsNodeClientSupplier } from '@aws-crypto/kms-keyring-node';
import type { KeyringNode } from '@aws-crypto/material-management-node';
import { RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/raw-aes-keyring-node';
import { DecryptCommand, EncryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';

/** What the Encryption SDK calls on KMS. */
type EsdkKms = Exclude<ReturnType<KmsNodeClientSupplier>, false>;

/** The three KMS calls the SDK makes, as commands of the modular client (the aggregated `KMS` class would bundle every operation). */
function esdkKms(client: KMSClient): EsdkKms {
  return {
    generateDataKey: (input) => client.send(new GenerateDataKeyCommand(input)),
    decrypt: (input) => client.send(new DecryptCommand(input)),
    encrypt: (input) => client.send(new EncryptCommand(input)),
  } as EsdkKms;
}

/** The customer-managed KMS key wraps every data key; the SDK calls GenerateDataKey and Decrypt with the values' context. */
export function kmsKeyring(keyArn: string, client: KMSClient): KeyringNode {
  const kms = esdkKms(client);
  return new KmsKeyringNode({ generatorKeyId: keyArn, clientProvider: () => kms });
}

/** The name and namespace a raw AES key is known by; a value sealed under one opens only under the same. */
const LOCAL_KEY = { keyNamespace: 'db-access-local', keyName: 'secrets-key-v1' } as const;

/** The local stack's stand-in for KMS: a 256-bit AES key that wraps every data key. */
export function localAesKeyring(key: Buffer): KeyringNode {
  if (key.length !== 32) throw new Error('the local secrets key must be 32 bytes (256 bits)');
  return new RawAesKeyringNode({ ...LOCAL_KEY, unencryptedMasterKey: new Uint8Array(key), wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING });
}

/** The local key, base64 in a file readable by its owner only; made once, on first use. */
export function loadOrCreateLocalKey(file: string): Buffer {
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  // A file made by an older stack, or copied with a looser mode, is narrowed again.
  chmodSync(file, 0o600);
  return readLocalKey(file);
}

/** The local key of an existing stack (a new key would open none of its values). */
export function readLocalKey(file: string): Buffer {
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}
