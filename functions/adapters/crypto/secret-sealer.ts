import type { SecretSealer } from '../../core/secrets';
import type { ServiceConfig } from '../config';
import { kmsClient } from './kms-client';
import { kmsKeyring, loadOrCreateLocalKey, localAesKeyring } from './keyrings';
import { EnvelopeSecretSealer } from './sealer';

export class NoSecretsKeyError extends Error {
  override name = 'NoSecretsKeyError';
}

/**
 * The sealer of the deployment: the KMS key in AWS, the local key file locally. With neither
 * configured, every seal and open fails (and so every write of a secret): nothing is ever stored in
 * clear, and the function still loads (its other routes work).
 */
export function secretSealer(settings: Pick<ServiceConfig, 'secretsKmsKeyArn' | 'secretsLocalKeyFile'>): SecretSealer {
  if (settings.secretsKmsKeyArn) return new EnvelopeSecretSealer(kmsKeyring(settings.secretsKmsKeyArn, kmsClient()));
  if (settings.secretsLocalKeyFile) return new EnvelopeSecretSealer(localAesKeyring(loadOrCreateLocalKey(settings.secretsLocalKeyFile)));
  const refuse = async (): Promise<never> => {
    throw new NoSecretsKeyError('no key for secrets at rest: set SECRETS_KMS_KEY_ARN (AWS) or SECRETS_LOCAL_KEY_FILE (local stack)');
  };
  return { seal: refuse, open: refuse };
}
