import { RDSClient } from '@aws-sdk/client-rds';
import { config } from '../config';
import { boundByDeadline } from '../deadline';
import { keepAliveRequestHandler } from '../keep-alive';

let client: RDSClient | undefined;

/** Built on first use and kept for the life of the Lambda container (the local stack describes its clusters from a file instead). */
export function rdsClient(): RDSClient {
  client ??= boundByDeadline(new RDSClient({ region: config.awsRegion, requestHandler: keepAliveRequestHandler() }));
  return client;
}
