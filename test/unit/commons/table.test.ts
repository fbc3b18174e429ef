import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePageToken, encodePageToken } from '../../../functions/commons/table';

describe('page tokens', () => {
  it('round-trip any sort key of their listing', () => {
    fc.assert(
      fc.property(fc.string(), (name) => {
        const sortKey = `RESOURCE#${name}`;
        expect(decodePageToken(encodePageToken(sortKey), 'RESOURCE#')).toBe(sortKey);
      }),
    );
  });

  it('refuse tokens of another listing and garbage with a 400', () => {
    expect(() => decodePageToken(encodePageToken('SESSION#1'), 'RESOURCE#')).toThrow(expect.objectContaining({ statusCode: 400, message: 'invalid next_token' }));
    fc.assert(
      fc.property(fc.string(), (garbage) => {
        expect(() => decodePageToken(garbage, 'RESOURCE#')).toThrow(expect.objectContaining({ statusCode: 400 }));
      }),
    );
  });

  it('treat an absent token as the first page', () => {
    expect(decodePageToken(undefined, 'RESOURCE#')).toBeUndefined();
  });
});
