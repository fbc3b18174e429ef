import { BadRequestError } from '../../commons/errors';

/** PostgreSQL keeps NAMEDATALEN − 1 = 63 bytes of an identifier and silently truncates the rest. */
export const MAX_IDENTIFIER_BYTES = 63;

/** Why a name cannot be a PostgreSQL identifier, or undefined. Longer names would be truncated, not refused. */
export function identifierProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.includes('\0')) return 'must not contain NUL';
  if (Buffer.byteLength(name, 'utf8') > MAX_IDENTIFIER_BYTES) return `must be at most ${MAX_IDENTIFIER_BYTES} bytes`;
  return undefined;
}

/** The one way an identifier reaches SQL: always double-quoted, inner quotes doubled. */
export function quoteIdentifier(name: string): string {
  const problem = identifierProblem(name);
  if (problem) throw new BadRequestError(`invalid identifier: ${problem}`);
  return `"${name.replaceAll('"', '""')}"`;
}

/** A string literal for values we made (verifiers, lock keys); standard_conforming_strings is on. */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new BadRequestError('invalid literal: must not contain NUL');
  return `'${value.replaceAll("'", "''")}'`;
}

export interface Scope {
  database: string;
  schema: string;
}

/** One part of a scope: a bare name up to the next dot, or a double-quoted name with `""` for a quote. */
function readPart(text: string, start: number): { name: string; end: number } {
  if (text[start] !== '"') {
    const dot = text.indexOf('.', start);
    const end = dot === -1 ? text.length : dot;
    return { name: text.slice(start, end), end };
  }
  let name = '';
  for (let index = start + 1; index < text.length; index++) {
    if (text[index] === '"') {
      if (text[index + 1] === '"') {
        name += '"';
        index++;
        continue;
      }
      return { name, end: index + 1 };
    }
    name += text[index];
  }
  throw new BadRequestError(`invalid scope "${text}": unterminated quote`);
}

/**
 * `database` or `database.schema` (schema defaults to `public`). Names are taken as written (no case
 * folding); a name containing a dot is written in double quotes: `app."v1.2"`.
 */
export function parseScope(scope: string): Scope {
  const first = readPart(scope, 0);
  let schema = 'public';
  if (first.end < scope.length) {
    if (scope[first.end] !== '.') throw new BadRequestError(`invalid scope "${scope}": expected "." after the database`);
    const second = readPart(scope, first.end + 1);
    if (second.end !== scope.length) throw new BadRequestError(`invalid scope "${scope}": use database or database.schema`);
    schema = second.name;
  }
  for (const [what, name] of [['database', first.name], ['schema', schema]] as const) {
    const problem = identifierProblem(name);
    if (problem) throw new BadRequestError(`invalid scope "${scope}": ${what} name ${problem}`);
  }
  return { database: first.name, schema };
}
