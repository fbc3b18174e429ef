import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { config } from '../config';

/**
 * Shared for the life of the Lambda container. The Data API may take up to 45 s on a statement, so
 * the socket waits longer than that; the SDK does not retry (the executor decides, knowing whether a
 * statement may have run). The endpoint is overridable for the local Data API.
 */
export const rdsData = new RDSDataClient({
  region: config.awsRegion,
  endpoint: config.rdsDataEndpoint,
  maxAttempts: 1,
  requestHandler: { requestTimeout: 60_000, connectionTimeout: 5_000 },
});
