import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { ConflictError, DomainError, UnprocessableError } from '../../core/errors';

/** What identifies a retried request: the caller's org, the operation, the key, and (checked) the request. */
export interface IdempotentCall {
  org: string;
  operation: string;
  key: string;
  request: unknown;
}

export interface IdempotencySettings {
  tableName: string;
  client: DynamoDBClient;
  /** How long a first answer is replayed (the spec: 24 hours). */
  expiresAfterSeconds?: number;
}

/**
 * Retried POSTs run once (Powertools Idempotency over DynamoDB): a repeat of a key with the same
 * request returns the first answer; the same key with another request is refused (422); a repeat
 * while the first still runs gets 409. Failures are not remembered, so a request that failed may be
 * sent again with its key.
 */
export type IdempotentRunner = <T>(call: IdempotentCall, context: Context, work: () => Promise<T>) => Promise<T>;

export function idempotentRunner(settings: IdempotencySettings): IdempotentRunner {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[org, operation, key]',
    payloadValidationJmesPath: 'request',
    expiresAfterSeconds: settings.expiresAfterSeconds ?? 86_400,
  });
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName: settings.tableName, awsSdkV3Client: settings.client });
  const runOnce = makeIdempotent(async <T>(_call: IdempotentCall, work: () => Promise<T>): Promise<T> => work(), { persistenceStore, config });

  return async <T>(call: IdempotentCall, context: Context, work: () => Promise<T>): Promise<T> => {
    config.registerLambdaContext(context);
    try {
      return (await runOnce(call, work)) as T;
    } catch (error) {
      throw idempotencyError(error);
    }
  };
}

function idempotencyError(error: unknown): unknown {
  if (error instanceof IdempotencyValidationError) return new UnprocessableError('this Idempotency-Key was used with another request: use a new key for a new request');
  if (error instanceof IdempotencyAlreadyInProgressError) return new ConflictError('a request with this Idempotency-Key is still in progress; try again shortly');
  // The store itself ran out of time, or refused: keep our own error (e.g. a 503) when it carries one.
  if (error instanceof IdempotencyPersistenceLayerError && error.cause instanceof DomainError) return error.cause;
  return error;
}
