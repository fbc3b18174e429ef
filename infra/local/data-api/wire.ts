import type { IncomingMessage } from 'node:http';
import { badRequest } from './errors';

/**
 * JSON on the wire with exact 64-bit integers. The service writes a bigint's digits as they are
 * (9223372036854775807), which `JSON.stringify` cannot do for a JavaScript number; a bigint is
 * written through a marker that no PostgreSQL text can hold (a NUL character) and unwrapped after.
 */
const LONG_MARK = '\u0000long:';
const MARKED_LONG = /"\\u0000long:(-?\d+)"/g;

export function stringifyExact(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? `${LONG_MARK}${item}` : item)).replace(MARKED_LONG, '$1');
}

/** A request body, each `longValue` kept as its digits (`JSON.parse` would round it past 2^53). */
export function parseRequestBody(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    const parsed = JSON.parse(text.replace(/("longValue"\s*:\s*)(-?[\d.eE+-]+)/g, '$1"$2"')) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Answered below.
  }
  throw badRequest('Request body is not a valid JSON object');
}

export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
