import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { config } from '../config';
import { boundByDeadline } from '../deadline';
import { keepAliveRequestHandler } from '../keep-alive';

let client: SecretsManagerClient | undefined;

/** Built on first use and kept for the life of the Lambda container. */
export function secretsManagerClient(): SecretsManagerClient {
  client ??= boundByDeadline(new SecretsManagerClient({ region: config.awsRegion, requestHandler: keepAliveRequestHandler() }));
  return client;
}

export class SecretValueError extends Error {
  override name = 'SecretValueError';
}

/** A secret's current string value; the error names the secret, never a value. */
export async function readSecretString(secrets: SecretsManagerClient, secretArn: string): Promise<string> {
  const answer = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (answer.SecretString === undefined || answer.SecretString === '') throw new SecretValueError(`secret ${secretArn} has no string value`);
  return answer.SecretString;
}
