import { Readable } from 'node:stream';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { SFNClient } from '@aws-sdk/client-sfn';
import { inject } from 'vitest';

/** The production SDK clients, pointed at the local endpoints as the handlers' clients are. */
const settings = () => ({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });

export const dataApiClient = () => new RDSDataClient({ ...settings(), endpoint: inject('stack').dataApiEndpoint });
export const stepFunctionsClient = () => new SFNClient({ ...settings(), endpoint: `http://127.0.0.1:${inject('stack').ports.stepFunctions}` });
export const eventBridgeClient = () => new EventBridgeClient({ ...settings(), endpoint: `http://127.0.0.1:${inject('stack').ports.stepFunctions}` });

interface RawHttpResponse {
  body: unknown;
}

/**
 * The text of every response body the client receives, before the SDK parses it: what is on the
 * wire (the SDK's JSON parsing would round a 64-bit integer, hiding whether the endpoint sent it
 * exactly). Sits innermost in the deserialize step, so the SDK still parses what it records.
 */
export function recordResponseBodies(client: RDSDataClient): string[] {
  const bodies: string[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as RawHttpResponse;
      const chunks: Buffer[] = [];
      for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
      const text = Buffer.concat(chunks).toString('utf8');
      bodies.push(text);
      response.body = Readable.from([Buffer.from(text)]);
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'recordResponseBodies' },
  );
  return bodies;
}

/** How an SDK call failed: the error's name, message and HTTP status (a call that succeeds fails the test). */
export async function failure(call: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  const error = (await call.then(
    () => {
      throw new Error('the call succeeded');
    },
    (caught: unknown) => caught,
  )) as { name: string; message: string; $metadata: { httpStatusCode?: number } };
  return { name: error.name, message: error.message, status: error.$metadata.httpStatusCode };
}
