import type { SecretSealer } from '../../core/secrets';
import { kmsClient } from './kms-client';
import { kmsKeyring, loadOrCreateLocalKey, localAesKeyring } from './keyrings';
import { EnvelopeSecretSealer } from './sealer';

/** Where the deployment's key is: a KMS key in AWS, a key file on the local stack. */
export type SecretsKey = { kmsKeyArn: string } | { localKeyFile: string };

/**
 * The Encryption SDK sealer over the deployment's key. Functions reach this module only through
 * `import()` (see secret-sealer.ts), so that its ~250 KiB (the Encryption SDK and the KMS client)
 * load with the first secret a container seals or opens, not at every cold start.
 */
export function deploymentSealer(key: SecretsKey): SecretSealer {
  if ('kmsKeyArn' in key) return new EnvelopeSecretSealer(kmsKeyring(key.kmsKeyArn, kmsClient()));
  return new EnvelopeSecretSealer(localAesKeyring(loadOrCreateLocalKey(key.localKeyFile)));
}
