import { config } from '../config';
import { idempotentRunner } from '../http/idempotency';
import { dynamodbBase } from './dynamodb';

/** Shared for the life of the Lambda container: the idempotency of the POST routes of one function. */
export const idempotency = idempotentRunner({ tableName: config.idempotencyTableName, client: dynamodbBase });
