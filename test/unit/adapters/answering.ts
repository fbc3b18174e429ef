import { Readable } from 'node:stream';

export interface RecordedAnswer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * An SDK client's HTTP layer that answers from what was asked (the request body), with no network:
 * the SDK still serialises the request and parses the answer, errors included.
 */
export function answering(respond: (requestBody: string) => RecordedAnswer) {
  return {
    handle: async (request: { body?: unknown }) => {
      // Query protocols send a string, JSON protocols bytes.
      const answer = respond(request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : String(request.body ?? ''));
      return { response: { statusCode: answer.status, headers: { 'content-type': answer.contentType }, body: Readable.from([Buffer.from(answer.body)]) } };
    },
  };
}
