import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { InvalidInputError } from '../../../../functions/core/errors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertItemFits,
  assertTransactionFits,
  decodePageToken,
  encodePageToken,
  itemSize,
  MARSHALL_OPTIONS,
} from '../../../../functions/adapters/dynamodb/table';

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
    expect(() => decodePageToken(encodePageToken('SESSION#1'), 'RESOURCE#')).toThrow(expect.objectContaining({ name: 'InvalidInputError', message: 'invalid next_token' }));
    fc.assert(
      fc.property(fc.string(), (garbage) => {
        expect(() => decodePageToken(garbage, 'RESOURCE#')).toThrow(InvalidInputError);
      }),
    );
  });

  it('treat an absent token as the first page', () => {
    expect(decodePageToken(undefined, 'RESOURCE#')).toBeUndefined();
  });
});

describe('itemSize, by the rules of "DynamoDB item sizes and formats"', () => {
  it.each([
    ['a string: name bytes + UTF-8 bytes', { name: 'abc' }, 4 + 3],
    ['multi-byte names and values', { é: 'ü€' }, 2 + 2 + 3],
    ['a number: 1 byte per 2 significant digits, + 1', { n: 12345 }, 1 + 3 + 1],
    ['leading and trailing zeros are trimmed', { n: 1000, m: -0.0015 }, 1 + 1 + 1 + (1 + 1 + 1)],
    ['a decimal', { n: 1.5 }, 1 + 1 + 1],
    ['a boolean or a null: 1 byte', { b: true, z: null }, 1 + 1 + 1 + 1],
    ['a binary: its raw bytes', { bin: new Uint8Array(10) }, 3 + 10],
    ['an empty map or list: 3 bytes', { m: {}, l: [] }, 1 + 3 + 1 + 3],
    ['a list: 3 bytes + 1 per element', { l: ['a', 'bc'] }, 1 + 3 + (1 + 1) + (1 + 2)],
    ['a map: 3 bytes + 1 per element, its names counted', { m: { k: 'v', kk: 'vv' } }, 1 + 3 + (1 + 1 + 1) + (1 + 2 + 2)],
    ['nested', { m: { l: [7] } }, 1 + 3 + 1 + 1 + (3 + 1 + 2)],
    ['undefined values are left out, as the client removes them', { a: 'x', b: undefined, m: { c: undefined }, l: [undefined] }, 2 + 1 + 3 + 1 + 3],
  ])('%s', (_, item, size) => {
    expect(itemSize(item)).toBe(size);
  });
});

describe('size limits', () => {
  const LIMIT = 400 * 1024;
  const itemOf = (bytes: number) => ({ p: 'x'.repeat(bytes - 1) });

  it('lets an item of exactly 400 KB through and refuses one byte more with a 413 naming the limit', () => {
    expect(assertItemFits({ label: 'resource "x"', item: itemOf(LIMIT) })).toBe(LIMIT);
    expect(() => assertItemFits({ label: 'resource "x"', item: itemOf(LIMIT + 1) })).toThrow(
      expect.objectContaining({ name: 'TooLargeError', message: 'resource "x" is too large: 401 KB; DynamoDB items are at most 400 KB' }),
    );
  });

  it('refuses a transaction over 4 MB, over 100 items, or with one item over 400 KB', () => {
    const big = (index: number) => ({ label: `role "r${index}"`, item: itemOf(390 * 1024) });
    expect(() => assertTransactionFits('resource "x" with its 10 roles', Array.from({ length: 10 }, (_, index) => big(index)))).not.toThrow();
    expect(() => assertTransactionFits('resource "x" with its 11 roles', Array.from({ length: 11 }, (_, index) => big(index)))).toThrow(
      expect.objectContaining({ name: 'TooLargeError', message: 'resource "x" with its 11 roles is too large: 4290 KB in one transaction; DynamoDB transactions are at most 4 MB' }),
    );
    expect(() => assertTransactionFits('t', Array.from({ length: 101 }, () => ({ label: 'i', item: { a: 'b' } })))).toThrow(
      expect.objectContaining({ name: 'TooLargeError', message: 't is too large: 101 items; DynamoDB transactions hold at most 100' }),
    );
    expect(() => assertTransactionFits('t', [{ label: 'a', item: { a: 'b' } }, { label: 'role "fat"', item: itemOf(LIMIT + 1) }])).toThrow(
      expect.objectContaining({ name: 'TooLargeError', message: expect.stringMatching(/^role "fat" is too large/) }),
    );
  });
});

describe('the document client\'s marshall options', () => {
  it('store maps whose keys are constructor, toString or anything else', () => {
    const item = { pk: 'p', env_vars: { constructor: 'a', toString: 'b', hasOwnProperty: 'c' }, roles: [{ constructor: { valueOf: 'd' } }] };
    // The cause: by default the SDK takes a map with a `constructor` key for a class instance.
    expect(() => marshall(item)).toThrow();
    expect(unmarshall(marshall(item, MARSHALL_OPTIONS))).toEqual(item);
    fc.assert(
      fc.property(fc.dictionary(fc.string().filter((key) => key !== '__proto__'), fc.oneof(fc.string(), fc.array(fc.string()))), (record) => {
        expect(unmarshall(marshall({ record }, MARSHALL_OPTIONS))).toEqual({ record });
      }),
    );
  });
});
