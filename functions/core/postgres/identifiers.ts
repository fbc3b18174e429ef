import { InvalidInputError } from '../errors';

/** PostgreSQL keeps NAMEDATALEN − 1 = 63 bytes of an identifier and silently truncates the rest. */
export const MAX_IDENTIFIER_BYTES = 63;

/** Longest name an error message repeats; a longer one is cut, so a message never carries a payload. */
const ECHO_LIMIT = 64;

/** The name as an error shows it: JSON-escaped (a NUL or a newline stays visible) and cut when long. */
function echo(name: string): string {
  const shown = [...name];
  return JSON.stringify(shown.length > ECHO_LIMIT ? `${shown.slice(0, ECHO_LIMIT).join('')}…` : name);
}

/** A name that cannot be a PostgreSQL identifier: a 400 naming what it was for and what was wrong. */
export class InvalidIdentifierError extends InvalidInputError {
  constructor(what: string, name: string, problem: string) {
    super(`invalid ${what} name ${echo(name)}: ${problem}`);
  }
}

/**
 * Why a name cannot be a PostgreSQL identifier, or undefined. A longer name would be truncated by the
 * server, not refused, and two such names could meet; a lone surrogate would reach it as U+FFFD.
 */
export function identifierProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.includes('\0')) return 'must not contain NUL';
  if (/\p{Cs}/u.test(name)) return 'must be valid Unicode';
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_IDENTIFIER_BYTES)
    return `must be at most ${MAX_IDENTIFIER_BYTES} bytes in UTF-8 (it has ${bytes})`;
  return undefined;
}

/** Throws InvalidIdentifierError (400) unless PostgreSQL would keep `name` whole; `what` says what it names. */
export function assertIdentifier(name: string, what: string): void {
  const problem = identifierProblem(name);
  if (problem) throw new InvalidIdentifierError(what, name, problem);
}

/**
 * The one way an identifier reaches SQL: validated, always double-quoted, inner quotes doubled. Quoted,
 * the name is taken byte for byte: no case folding, no keyword clash, no way out of the quotes.
 */
export function quoteIdentifier(name: string, what = 'identifier'): string {
  assertIdentifier(name, what);
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."name"`, both parts validated and quoted. */
export function qualified(schema: string, name: string): string {
  return `${quoteIdentifier(schema, 'schema')}.${quoteIdentifier(name)}`;
}

/**
 * A string literal, for values we make ourselves (password verifiers, comments, lock keys); never for
 * identifiers. Quotes are doubled, which is all it takes with standard_conforming_strings on (the
 * default, and Aurora's). A value with a backslash is written `E'…'` with the backslash doubled, as
 * libpq's PQescapeLiteral does, so it means the same whatever that setting is.
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new InvalidInputError('invalid literal: must not contain NUL');
  const quoted = `'${value.replaceAll("'", "''").replaceAll('\\', '\\\\')}'`;
  return value.includes('\\') ? `E${quoted}` : quoted;
}

export interface Scope {
  database: string;
  schema: string;
}

/** A scope that is not `database` or `database.schema`: a 400. */
export class InvalidScopeError extends InvalidInputError {
  constructor(scope: string, problem: string) {
    super(`invalid scope ${echo(scope)}: ${problem}`);
  }
}

/** One part of a scope from `start`: a bare name up to the next dot, or a double-quoted name with `""` for a quote. */
function readPart(scope: string, start: number): { name: string; end: number } {
  if (scope[start] !== '"') {
    const dot = scope.indexOf('.', start);
    const end = dot === -1 ? scope.length : dot;
    const name = scope.slice(start, end);
    // `a"b` is neither a bare name nor a quoted one; refusing it keeps every scope one reading.
    if (name.includes('"'))
      throw new InvalidScopeError(
        scope,
        'a name with a double quote must be written in double quotes, the quote doubled',
      );
    return { name, end };
  }
  let name = '';
  for (let index = start + 1; index < scope.length; index++) {
    if (scope[index] === '"') {
      if (scope[index + 1] === '"') {
        name += '"';
        index++;
        continue;
      }
      return { name, end: index + 1 };
    }
    name += scope[index];
  }
  throw new InvalidScopeError(scope, 'unterminated double quote');
}

/**
 * `database` or `database.schema`; the schema defaults to `public`. Names are taken as written: no
 * case folding, no trimming. A name that holds a dot or a double quote is written in double quotes
 * with inner quotes doubled, as in SQL: `app."v1.2"`, `"my.db".sales`, `app."say ""hi"""`. Anything
 * else (a third part, text after a closing quote) is refused rather than guessed at.
 */
export function parseScope(scope: string): Scope {
  const first = readPart(scope, 0);
  let schema = 'public';
  if (first.end < scope.length) {
    if (scope[first.end] !== '.') throw new InvalidScopeError(scope, 'expected "." after the database name');
    const second = readPart(scope, first.end + 1);
    if (second.end !== scope.length) throw new InvalidScopeError(scope, 'use database or database.schema');
    schema = second.name;
  }
  for (const [what, name] of [
    ['database', first.name],
    ['schema', schema],
  ] as const) {
    const problem = identifierProblem(name);
    if (problem) throw new InvalidScopeError(scope, `${what} name ${problem}`);
  }
  return { database: first.name, schema };
}
