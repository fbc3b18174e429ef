import type { SecretSealer } from '../../core/secrets';
import type { ServiceConfig } from '../config';
import type { SecretsKey } from './deployment-sealer';
import { onDemand } from '../on-demand';

export class NoSecretsKeyError extends Error {
  override name = 'NoSecretsKeyError';
}

/**
 * The sealer of the deployment: the KMS key in AWS, the local key file locally. The Encryption SDK
 * behind it is loaded and built by the first seal or open, then kept for the life of the container:
 * most requests (reads that mask, plans, job Tasks other than LoginRole) never need it. With no key
 * configured, every seal and open fails (and so every write of a secret): nothing is ever stored in
 * clear, and the function still loads (its other routes work).
 */
export function secretSealer(settings: Pick<ServiceConfig, 'secretsKmsKeyArn' | 'secretsLocalKeyFile'>): SecretSealer {
  const key: SecretsKey | undefined = settings.secretsKmsKeyArn
    ? { kmsKeyArn: settings.secretsKmsKeyArn }
    : settings.secretsLocalKeyFile
      ? { localKeyFile: settings.secretsLocalKeyFile }
      : undefined;
  if (!key) {
    const refuse = async (): Promise<never> => {
      throw new NoSecretsKeyError('no key for secrets at rest: set SECRETS_KMS_KEY_ARN (AWS) or SECRETS_LOCAL_KEY_FILE (local stack)');
    };
    return { seal: refuse, open: refuse };
  }
  const sealer = onDemand(() => import('./deployment-sealer').then(({ deploymentSealer }) => deploymentSealer(key)));
  return {
    seal: async (plaintext, context) => (await sealer()).seal(plaintext, context),
    open: async (sealed, context) => (await sealer()).open(sealed, context),
  };
}
