import fc from 'fast-check';
import { InvalidInputError } from '../../../../functions/core/errors';
import { describe, expect, it } from 'vitest';
import {
  assertIdentifier,
  InvalidIdentifierError,
  InvalidScopeError,
  parseScope,
  qualified,
  quoteIdentifier,
  quoteLiteral,
} from '../../../../functions/core/postgres/identifiers';

/**
 * What PostgreSQL's scanner does with a quoted identifier at the start of `text`: read to the first
 * lone `"`, a doubled one standing for one quote. Returns the name and what follows it.
 */
function scanQuotedIdentifier(text: string): { name: string; rest: string } {
  if (!text.startsWith('"')) throw new Error('not a quoted identifier');
  let name = '';
  for (let index = 1; index < text.length; index++) {
    if (text[index] !== '"') {
      name += text[index];
    } else if (text[index + 1] === '"') {
      name += '"';
      index++;
    } else {
      return { name, rest: text.slice(index + 1) };
    }
  }
  throw new Error('unterminated quoted identifier');
}

/** Names PostgreSQL keeps whole: no NUL, at most 63 bytes of UTF-8; quotes and dots made likely. */
const keepableName = fc
  .string({
    minLength: 1,
    maxLength: 63,
    unit: fc.oneof(
      fc.constantFrom('"', "'", '.', ';', ' ', '-', '\\'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    ),
  })
  .filter((name) => !name.includes('\0') && Buffer.byteLength(name, 'utf8') <= 63);

describe('quoteIdentifier', () => {
  it('round-trips every name PostgreSQL keeps whole, and nothing follows the closing quote', () => {
    fc.assert(
      fc.property(keepableName, (name) => {
        // Act
        const quoted = quoteIdentifier(name);

        // Assess: the scanner reads back exactly the name and stops at the very end
        expect(scanQuotedIdentifier(quoted)).toEqual({ name, rest: '' });
      }),
      { numRuns: 500 },
    );
  });

  it('quotes even plain names, so case and keywords are kept', () => {
    expect(quoteIdentifier('select')).toBe('"select"');
    expect(quoteIdentifier('Mixed')).toBe('"Mixed"');
    expect(quoteIdentifier('x"; DROP ROLE postgres; --')).toBe('"x""; DROP ROLE postgres; --"');
  });

  it('takes a name of exactly 63 bytes, in one- or multibyte characters', () => {
    expect(quoteIdentifier('a'.repeat(63))).toHaveLength(65);
    expect(quoteIdentifier('日'.repeat(21))).toBe(`"${'日'.repeat(21)}"`);
  });

  it.each([
    ['empty', '', /must not be empty/],
    ['NUL', 'a\0b', /must not contain NUL/],
    ['64 one-byte characters', 'a'.repeat(64), /at most 63 bytes in UTF-8 \(it has 64\)/],
    ['32 two-byte characters (64 bytes)', 'é'.repeat(32), /it has 64/],
    ['22 three-byte characters (66 bytes)', '日'.repeat(22), /it has 66/],
    ['16 four-byte characters (64 bytes)', '😀'.repeat(16), /it has 64/],
    ['a lone surrogate', 'a\ud800b', /valid Unicode/],
  ])('refuses a name that is %s with a 400', (_, name, message) => {
    // Act
    const act = () => quoteIdentifier(name, 'schema');

    // Assess
    expect(act).toThrow(InvalidIdentifierError);
    expect(act).toThrow(InvalidInputError);
    expect(act).toThrow(message);
    expect(act).toThrow(/^invalid schema name /);
  });

  it('refuses every multibyte name over 63 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 16, maxLength: 80 }), (name) => {
        // Prepare
        fc.pre(!name.includes('\0') && Buffer.byteLength(name, 'utf8') > 63);

        // Act + Assess
        expect(() => quoteIdentifier(name)).toThrow(InvalidIdentifierError);
      }),
    );
  });

  it('repeats at most the name, cut and escaped, in its error', () => {
    // Prepare
    const long = `${'x'.repeat(100)}SECRET-TAIL`;

    // Act + Assess
    expect(() => assertIdentifier(long, 'role')).toThrow(
      /^invalid role name "x{64}…": must be at most 63 bytes/,
    );
    expect(() => assertIdentifier('a\0b', 'database')).toThrow(
      'invalid database name "a\\u0000b": must not contain NUL',
    );
    expect(() => assertIdentifier(long, 'role')).not.toThrow(/SECRET-TAIL/);
  });
});

describe('qualified', () => {
  it('quotes both parts', () => {
    expect(qualified('my.schema', 'T"1')).toBe('"my.schema"."T""1"');
  });

  it('names the bad part', () => {
    expect(() => qualified('', 't')).toThrow(/^invalid schema name "": must not be empty/);
  });
});

describe('quoteLiteral', () => {
  it.each([
    ['plain', "'plain'"],
    ["it's", "'it''s'"],
    ["''", "''''''"],
    ['SCRAM-SHA-256$4096:c2FsdA==$a+b/c=:d+e/f=', "'SCRAM-SHA-256$4096:c2FsdA==$a+b/c=:d+e/f='"],
    ['back\\slash', "E'back\\\\slash'"],
    ["\\'", "E'\\\\'''"],
  ])('%j → %s', (value, expected) => {
    expect(quoteLiteral(value)).toBe(expected);
  });

  it('refuses NUL with a 400', () => {
    expect(() => quoteLiteral('a\0b')).toThrow(InvalidInputError);
  });
});

describe('parseScope', () => {
  it.each([
    ['app', { database: 'app', schema: 'public' }],
    ['app.sales', { database: 'app', schema: 'sales' }],
    ['App.Sales', { database: 'App', schema: 'Sales' }],
    ['app."Mixed Case"', { database: 'app', schema: 'Mixed Case' }],
    ['app."v1.2"', { database: 'app', schema: 'v1.2' }],
    ['"my.db".x', { database: 'my.db', schema: 'x' }],
    ['"my.db"', { database: 'my.db', schema: 'public' }],
    ['app."say ""hi"""', { database: 'app', schema: 'say "hi"' }],
    ['app.日本', { database: 'app', schema: '日本' }],
    [`app.${'s'.repeat(63)}`, { database: 'app', schema: 's'.repeat(63) }],
  ])('reads %s', (scope, expected) => {
    // Act
    const parsed = parseScope(scope);

    // Assess
    expect(parsed).toEqual(expected);
  });

  it.each([
    ['a third part', 'app.sales.orders', /use database or database\.schema/],
    ['an open quote', 'app."open', /unterminated double quote/],
    ['an empty database', '.x', /database name must not be empty/],
    ['an empty schema', 'app.', /schema name must not be empty/],
    ['an empty quoted schema', 'app.""', /schema name must not be empty/],
    ['text after a closing quote', 'app."x"y', /use database or database\.schema/],
    ['text after a quoted database', '"app"x', /expected "\." after the database name/],
    ['a quote inside a bare name', 'app.x"y"', /must be written in double quotes/],
    ['a schema of 64 bytes', `app.${'é'.repeat(32)}`, /schema name must be at most 63 bytes/],
    ['a database with NUL', 'a\0b.x', /database name must not contain NUL/],
    ['an empty scope', '', /database name must not be empty/],
  ])('refuses %s with a 400', (_, scope, message) => {
    // Act
    const act = () => parseScope(scope);

    // Assess
    expect(act).toThrow(InvalidScopeError);
    expect(act).toThrow(InvalidInputError);
    expect(act).toThrow(message);
  });

  it('reads back any pair of names written in the quoted form', () => {
    fc.assert(
      fc.property(keepableName, keepableName, (database, schema) => {
        // Prepare
        const write = (name: string) => `"${name.replaceAll('"', '""')}"`;

        // Act
        const parsed = parseScope(`${write(database)}.${write(schema)}`);

        // Assess
        expect(parsed).toEqual({ database, schema });
      }),
    );
  });
});
