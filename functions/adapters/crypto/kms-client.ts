import { KMSClient } from '@aws-sdk/client-kms';
import { config } from '../config';
import { boundByDeadline } from '../deadline';
import { keepAliveRequestHandler } from '../keep-alive';

let client: KMSClient | undefined;

/** Built on first use and kept for the life of the Lambda container (the local stack wraps data keys with a local key instead). */
export function kmsClient(): KMSClient {
  client ??= boundByDeadline(new KMSClient({ region: config.awsRegion, requestHandler: keepAliveRequestHandler() }));
  return client;
}
