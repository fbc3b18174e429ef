// The SDK's own packages rather than `@aws-crypto/client-node`, which is CommonJS only and would bring
// every keyring (RSA, hierarchical with its DynamoDB key store) into the bundles: these are ES modules.
import { getLocalCryptographicMaterialsCache, NodeCachingMaterialsManager } from '@aws-crypto/caching-materials-manager-node';
import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { buildEncrypt } from '@aws-crypto/encrypt-node';
import { AlgorithmSuiteIdentifier, CommitmentPolicy, type EncryptionContext, type KeyringNode } from '@aws-crypto/material-management-node';
import { SEALED_PREFIX, type SecretContext, type SecretSealer } from '../../core/secrets';

/** Key commitment on both sides (the SDK's default policy, said here so that it cannot change unnoticed). */
const { encrypt } = buildEncrypt(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const { decrypt } = buildDecrypt(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

/**
 * Committing, without ECDSA signatures: the functions that encrypt are the ones that decrypt, so a
 * signature would prove nothing to a reader, and it would add ~200 bytes and a P-384 sign and verify
 * to every value.
 */
const SUITE = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;

/** A sealed value was not sealed for the item and field it was read from (copied there), or is not one. */
export class SealedValueMismatchError extends Error {
  override name = 'SealedValueMismatchError';
}

/** The encryption context of a stored value (the SDK reserves `aws-crypto-` keys; ours are plain). */
function encryptionContextOf(context: SecretContext): EncryptionContext {
  return {
    purpose: 'db-access-secret',
    org: context.org,
    resource: context.resource,
    ...(context.role === undefined ? {} : { role: context.role }),
    field: context.field,
  };
}

export interface DataKeyCacheOptions {
  /** How long a data key is used and remembered (ms). */
  maxAgeMs: number;
  /** How many values one data key may encrypt. */
  maxMessagesEncrypted: number;
  /** How many data keys are remembered. */
  capacity: number;
}

/**
 * A data key encrypts up to 1,000 values for 5 minutes, and a decrypted one is remembered as long:
 * writes and reveals that come back to the same field of the same item cost no KMS call. Values of
 * different fields have different encryption contexts, and so different data keys.
 */
export const DATA_KEY_CACHE: DataKeyCacheOptions = { maxAgeMs: 5 * 60_000, maxMessagesEncrypted: 1_000, capacity: 1_000 };

/**
 * Envelope encryption with the AWS Encryption SDK: each value is encrypted under a data key that the
 * keyring wraps (KMS in AWS, a local AES key locally), with the value's context authenticated in the
 * message. Opening checks that the message's context is the one of the place it was read from, so a
 * value copied to another item or field does not open.
 */
export class EnvelopeSecretSealer implements SecretSealer {
  private readonly materials: NodeCachingMaterialsManager;

  constructor(keyring: KeyringNode, cache: DataKeyCacheOptions = DATA_KEY_CACHE) {
    this.materials = new NodeCachingMaterialsManager({
      backingMaterials: keyring,
      cache: getLocalCryptographicMaterialsCache(cache.capacity),
      maxAge: cache.maxAgeMs,
      maxMessagesEncrypted: cache.maxMessagesEncrypted,
    });
  }

  async seal(plaintext: string, context: SecretContext): Promise<string> {
    const bytes = Buffer.from(plaintext, 'utf8');
    const { result } = await encrypt(this.materials, bytes, { suiteId: SUITE, encryptionContext: encryptionContextOf(context), plaintextLength: bytes.length });
    return `${SEALED_PREFIX}${result.toString('base64')}`;
  }

  async open(sealed: string, context: SecretContext): Promise<string> {
    if (!sealed.startsWith(SEALED_PREFIX)) throw new SealedValueMismatchError('not a sealed value');
    const { plaintext, messageHeader } = await decrypt(this.materials, Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64'));
    const expected = encryptionContextOf(context);
    const found = messageHeader.encryptionContext;
    const matches = Object.keys(found).length === Object.keys(expected).length && Object.entries(expected).every(([key, value]) => found[key] === value);
    // Names what differs, never the value: the field the sealed value was read from.
    if (!matches) throw new SealedValueMismatchError(`the sealed value of ${context.field} was sealed for another item or field`);
    return plaintext.toString('utf8');
  }
}
