import { SFNClient } from '@aws-sdk/client-sfn';
import { config } from '../config';
import { boundByDeadline } from '../deadline';
import { keepAliveRequestHandler } from '../keep-alive';

let client: SFNClient | undefined;

/** Built on first use and kept for the life of the Lambda container; the endpoint is overridable for the local stack. */
export function stepFunctionsClient(): SFNClient {
  client ??= boundByDeadline(new SFNClient({ region: config.awsRegion, endpoint: config.stepFunctionsEndpoint, requestHandler: keepAliveRequestHandler() }));
  return client;
}
