import { config } from '../config';
import { idempotentRunner, type IdempotentRunner } from './idempotency';
import { dynamodbClient } from './client';

let runner: IdempotentRunner | undefined;

/**
 * The idempotency of the POST routes of one function, kept for the life of the Lambda container;
 * built on the first POST with an Idempotency-Key, so a container that serves none never builds it.
 */
export const idempotency: IdempotentRunner = (call, context, work) => {
  runner ??= idempotentRunner({ tableName: config.idempotencyTableName, client: dynamodbClient() });
  return runner(call, context, work);
};
