import { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from '../core/log';

/** One structured JSON logger for every function; the request id is added per invocation. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'db-access' });

/** The same logger, as the core's log port. */
export const log: Log = {
  info: (message, fields) => logger.info(message, { ...fields }),
  warn: (message, fields) => logger.warn(message, { ...fields }),
  error: (message, fields) => logger.error(message, { ...fields }),
};
