import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScope, quoteIdentifier, quoteLiteral } from '../../../functions/provisioning/sql/identifiers';

/** What PostgreSQL does with a quoted identifier: strip the quotes, undouble inner quotes. */
const unquote = (quoted: string) => quoted.slice(1, -1).replaceAll('""', '"');

describe('quoteIdentifier', () => {
  it('round-trips every name PostgreSQL keeps whole', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 63 }), (name) => {
        fc.pre(!name.includes('\0') && Buffer.byteLength(name) <= 63);
        const quoted = quoteIdentifier(name);
        expect(quoted.startsWith('"') && quoted.endsWith('"')).toBe(true);
        expect(unquote(quoted)).toBe(name);
        // No lone quote inside: the identifier cannot end early.
        expect(quoted.slice(1, -1).replaceAll('""', '')).not.toContain('"');
      }),
    );
  });

  it('refuses names PostgreSQL would truncate or cannot hold', () => {
    expect(() => quoteIdentifier('')).toThrow(expect.objectContaining({ statusCode: 400 }));
    expect(() => quoteIdentifier('a\0b')).toThrow(expect.objectContaining({ statusCode: 400 }));
    expect(() => quoteIdentifier('é'.repeat(32))).toThrow(/63 bytes/);
    expect(quoteIdentifier('a'.repeat(63))).toHaveLength(65);
  });
});

describe('quoteLiteral', () => {
  it('doubles single quotes', () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
  });
});

describe('parseScope', () => {
  it.each([
    ['app', { database: 'app', schema: 'public' }],
    ['app.sales', { database: 'app', schema: 'sales' }],
    ['app."Mixed Case"', { database: 'app', schema: 'Mixed Case' }],
    ['app."v1.2"', { database: 'app', schema: 'v1.2' }],
    ['"my.db".x', { database: 'my.db', schema: 'x' }],
    ['app."say ""hi"""', { database: 'app', schema: 'say "hi"' }],
  ])('reads %s', (scope, expected) => {
    expect(parseScope(scope)).toEqual(expected);
  });

  it.each(['app.sales.orders', 'app."open', '.x', 'app.', 'app."x"y'])('refuses %s with a 400', (scope) => {
    expect(() => parseScope(scope)).toThrow(expect.objectContaining({ statusCode: 400 }));
  });
});
