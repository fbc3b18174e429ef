import { config } from '../config';
import type { IdempotentRunner } from './idempotency';
import { dynamodbClient } from './client';
import { onDemand } from '../on-demand';

const runner = onDemand(() =>
  import('./idempotency').then(({ idempotentRunner }) => idempotentRunner({ tableName: config.idempotencyTableName, client: dynamodbClient() })),
);

/**
 * The idempotency of the POST routes of one function, kept for the life of the Lambda container;
 * loaded and built on the first POST with an Idempotency-Key (Powertools Idempotency and its JMESPath
 * are a chunk of their own), so a container that serves none never loads it.
 */
export const idempotency: IdempotentRunner = async (call, context, work) => {
  return (await runner())(call, context, work);
};
