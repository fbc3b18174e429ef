import { randomUUID } from 'node:crypto';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Context } from 'aws-lambda';

/**
 * Locally every function runs in this one process, and requests overlap. The Lambda runtime does the
 * same on multi-concurrency environments: it sets AWS_LAMBDA_MAX_CONCURRENCY and runs each invocation
 * inside the InvokeStore (an AsyncLocalStorage), which Powertools reads so that the keys a handler
 * appends to its logs (request id, org) stay with that invocation. We do exactly that, so log lines
 * can be told apart by their request and org, as they can on AWS.
 */
process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= '64';

type LambdaHandler<Event, Result> = (event: Event, context: Context, callback: () => void) => Promise<Result> | Result | undefined;

/** A Lambda context for a local invocation, with the remaining time counted from `timeoutMs`. */
export function lambdaContext(functionName: string, requestId: string = randomUUID(), timeoutMs = 29_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** Invokes a handler as the runtime would: inside its own invocation scope. */
export async function invokeLocally<Event, Result>(handler: LambdaHandler<Event, Result>, event: Event, context: Context): Promise<Result> {
  const store = await InvokeStore.getInstanceAsync();
  return store.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: context.awsRequestId }, async () => (await handler(event, context, () => {})) as Result);
}
