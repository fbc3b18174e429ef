/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (infra/bundling.ts aliases
 * it here). Lambda hands a function its role's credentials in the environment, so of the SDK's
 * default chain only the first link is ever used there; the others (SSO, STS web identity, ini
 * files, process, container and instance metadata) and the STS/SSO clients they build were ~90 KiB
 * of every bundle. Reads what the SDK's `fromEnv` reads; the local stack, which runs the sources
 * and not the bundles, keeps the whole chain.
 */
export interface EnvCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
  credentialScope?: string;
  accountId?: string;
}

/** The SDK clients call it as they call the default chain's `defaultProvider(init)`. */
export const defaultProvider =
  (init: { logger?: { debug?: (message: string) => void } } = {}) =>
  async (): Promise<EnvCredentials> => {
    init.logger?.debug?.('env-credentials - from the environment');
    const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION, AWS_CREDENTIAL_SCOPE, AWS_ACCOUNT_ID } = process.env;
    if (!AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY) {
      throw new Error('no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): the Lambda bundles read only those');
    }
    return {
      accessKeyId: AWS_ACCESS_KEY_ID,
      secretAccessKey: AWS_SECRET_ACCESS_KEY,
      ...(AWS_SESSION_TOKEN ? { sessionToken: AWS_SESSION_TOKEN } : {}),
      ...(AWS_CREDENTIAL_EXPIRATION ? { expiration: new Date(AWS_CREDENTIAL_EXPIRATION) } : {}),
      ...(AWS_CREDENTIAL_SCOPE ? { credentialScope: AWS_CREDENTIAL_SCOPE } : {}),
      ...(AWS_ACCOUNT_ID ? { accountId: AWS_ACCOUNT_ID } : {}),
    };
  };
