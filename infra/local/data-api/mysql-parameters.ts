import mysql from 'mysql2';
import { bindParameter, type SqlParameter } from './parameters';

/**
 * A parameter as MySQL text. The service's MySQL driver (Connector/J) prepares statements on the
 * client by default: each `:name` becomes a literal of its value's type, escaped for the server's
 * default SQL mode (backslash escapes on). The values are checked as for PostgreSQL (one value, known
 * type hints and their formats, 64-bit longs, no arrays).
 */
function literalOf(parameter: SqlParameter): string {
  const { type, text } = bindParameter(parameter);
  if (text === null) return 'NULL';
  switch (type) {
    case 'int8':
    case 'float8':
      return text;
    case 'bool':
      return text === 'true' ? 'TRUE' : 'FALSE';
    case 'bytea':
      return `X'${text.slice(2)}'`;
    default:
      // varchar, and the hinted DATE, TIME, TIMESTAMP, DECIMAL, UUID and JSON: MySQL converts a string.
      return mysql.escape(text);
  }
}

/** Where a quoted part or comment that starts at `index` ends (the index of its last character), or undefined. */
function skipQuotedOrComment(sql: string, index: number): number | undefined {
  const char = sql[index];
  if (char === "'" || char === '"' || char === '`') {
    for (let at = index + 1; at < sql.length; at++) {
      if (sql[at] === '\\' && char !== '`') at++;
      else if (sql[at] === char) {
        if (sql[at + 1] === char) at++;
        else return at;
      }
    }
    return sql.length - 1;
  }
  const lineComment = char === '#' || (char === '-' && sql[index + 1] === '-' && /\s/.test(sql[index + 2] ?? ' '));
  if (lineComment) {
    const end = sql.indexOf('\n', index);
    return end === -1 ? sql.length - 1 : end - 1;
  }
  if (char === '/' && sql[index + 1] === '*') {
    const end = sql.indexOf('*/', index + 2);
    return end === -1 ? sql.length - 1 : end + 1;
  }
  return undefined;
}

/**
 * `:name` placeholders to literals, outside strings, quoted names and comments. Every parameter is
 * checked before anything runs, whether the statement uses it or not.
 */
export function bindMysqlParameters(sql: string, parameters: SqlParameter[]): string {
  const literals = new Map(parameters.map((parameter) => [parameter.name ?? '', literalOf(parameter)]));
  let text = '';
  for (let index = 0; index < sql.length; index++) {
    const end = skipQuotedOrComment(sql, index);
    if (end !== undefined) {
      text += sql.slice(index, end + 1);
      index = end;
      continue;
    }
    const char = sql[index] ?? '';
    const match = char === ':' ? /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(index + 1)) : null;
    const literal = match ? literals.get(match[0]) : undefined;
    if (match && literal !== undefined) {
      text += literal;
      index += match[0].length;
      continue;
    }
    text += char;
  }
  return text;
}
