import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { config } from '../config';
import { boundByDeadline } from '../deadline';
import { keepAliveRequestHandler } from '../keep-alive';

let client: EventBridgeClient | undefined;

/** Built on first use and kept for the life of the Lambda container; the endpoint is overridable for the local stack. */
export function eventBridgeClient(): EventBridgeClient {
  client ??= boundByDeadline(new EventBridgeClient({ region: config.awsRegion, endpoint: config.eventBridgeEndpoint, requestHandler: keepAliveRequestHandler() }));
  return client;
}
