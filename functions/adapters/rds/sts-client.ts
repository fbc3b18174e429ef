import { STSClient } from '@aws-sdk/client-sts';
import { config } from '../config';
import { boundByDeadline } from '../deadline';
import { keepAliveRequestHandler } from '../keep-alive';

let client: STSClient | undefined;

/** Built on first use and kept for the life of the Lambda container (the local stack reads its identity from a file instead). */
export function stsClient(): STSClient {
  client ??= boundByDeadline(new STSClient({ region: config.awsRegion, requestHandler: keepAliveRequestHandler() }));
  return client;
}
