import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { loadConfig } from '../config';
import { boundByDeadline } from '../deadline';
import { keepAliveRequestHandler } from '../keep-alive';

export interface RdsDataClientSettings {
  region: string;
  /** Unset: AWS. Set (locally and in tests): the local Data API endpoint. */
  endpoint: string | undefined;
}

/**
 * A Data API client. The service may work on a statement for 45 s before it answers, so the request
 * times out only after 60 s (and then throws: without `throwOnRequestTimeout` the SDK merely warns);
 * the connection phase is short, because nothing was sent if it fails. The SDK does not retry
 * (`maxAttempts: 1`): an automatic retry after a timeout can run a statement twice, so the SQL
 * executor decides, knowing whether the statement may have run.
 */
export function createRdsDataClient(settings: Partial<RdsDataClientSettings> = {}): RDSDataClient {
  const config = loadConfig();
  return boundByDeadline(
    new RDSDataClient({
      region: settings.region ?? config.awsRegion,
      endpoint: 'endpoint' in settings ? settings.endpoint : config.rdsDataEndpoint,
      maxAttempts: 1,
      requestHandler: keepAliveRequestHandler({ connectionTimeout: 5_000, requestTimeout: config.dataApiTimeoutSeconds * 1000, throwOnRequestTimeout: true }),
    }),
  );
}

let client: RDSDataClient | undefined;

/** Built on first use, configured from the environment then, and kept for the life of the Lambda container. */
export function rdsDataClient(): RDSDataClient {
  client ??= createRdsDataClient();
  return client;
}
