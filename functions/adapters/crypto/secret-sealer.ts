import type { SecretSealer } from '../../core/secrets';
import type { ServiceConfig } from '../config';
import { kmsClient } from './kms-client';
import { kmsKeyring, loadOrCreateLocalKey, localAesKeyring } from './keyrings';
import { EnvelopeSecretSealer } from './sealer';

/**
 * The sealer of the deployment: the KMS key in AWS, the local key file locally. A function that
 * stores or reveals secrets with neither configured fails when it starts, never writes plaintext.
 */
export function secretSealer(settings: Pick<ServiceConfig, 'secretsKmsKeyArn' | 'secretsLocalKeyFile'>): SecretSealer {
  if (settings.secretsKmsKeyArn) return new EnvelopeSecretSealer(kmsKeyring(settings.secretsKmsKeyArn, kmsClient()));
  if (settings.secretsLocalKeyFile) return new EnvelopeSecretSealer(localAesKeyring(loadOrCreateLocalKey(settings.secretsLocalKeyFile)));
  throw new Error('no key for secrets at rest: set SECRETS_KMS_KEY_ARN (AWS) or SECRETS_LOCAL_KEY_FILE (local stack)');
}
