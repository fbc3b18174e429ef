import { config } from '../config';
import { idempotentRunner } from './idempotency';
import { dynamodbBase } from './client';

/** Shared for the life of the Lambda container: the idempotency of the POST routes of one function. */
export const idempotency = idempotentRunner({ tableName: config.idempotencyTableName, client: dynamodbBase });
