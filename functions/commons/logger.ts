import { Logger } from '@aws-lambda-powertools/logger';

/** One structured JSON logger for every function; the request id is added per invocation. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'db-access' });
