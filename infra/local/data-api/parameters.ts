import { badRequest } from './errors';

/** A `Field` as a request carries it; `longValue` arrives as its digits (see `parseRequestBody`). */
export interface FieldInput {
  isNull?: boolean;
  booleanValue?: boolean;
  longValue?: string | number;
  doubleValue?: number;
  stringValue?: string;
  blobValue?: string;
  arrayValue?: unknown;
}

export interface SqlParameter {
  name?: string;
  value?: FieldInput;
  typeHint?: string;
}

/** The statement as PostgreSQL gets it: `$n` placeholders, each with the type the service binds. */
export interface BoundStatement {
  text: string;
  values: (string | null)[];
}

/**
 * What each documented type hint binds a `stringValue` as, and the formats the service accepts
 * (https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/API_SqlParameter.html).
 */
const TYPE_HINTS: Record<string, { type: string; format?: RegExp; accepted?: string }> = {
  DATE: { type: 'date', format: /^\d{4}-\d{2}-\d{2}$/, accepted: 'YYYY-MM-DD' },
  TIME: { type: 'time', format: /^\d{2}:\d{2}:\d{2}(\.\d{1,3})?$/, accepted: 'HH:MM:SS[.FFF]' },
  TIMESTAMP: { type: 'timestamp', format: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,3})?$/, accepted: 'YYYY-MM-DD HH:MM:SS[.FFF]' },
  DECIMAL: { type: 'numeric' },
  UUID: { type: 'uuid' },
  JSON: { type: 'json' },
};

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A parameter's value as PostgreSQL text, and the type the service sends it as (none: inferred). */
export interface BoundValue {
  type: string | undefined;
  text: string | null;
}

/**
 * Binds one parameter the way the service's JDBC driver does: a `stringValue` is a `varchar` unless a
 * type hint says otherwise (so comparing it with an integer or storing it in a `date` column fails
 * as it does on Aurora), a `longValue` an `int8`, a `doubleValue` a `float8`, a `booleanValue` a
 * `bool`, a `blobValue` a `bytea`, and a null has no type. Array parameters are refused: "Array
 * parameters are not supported" (https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/API_ExecuteStatement.html).
 */
export function bindParameter(parameter: SqlParameter): BoundValue {
  const name = parameter.name ?? '';
  const value = parameter.value ?? {};
  const members = Object.entries(value).filter(([, member]) => member !== undefined && member !== null);
  if (value.arrayValue !== undefined) throw badRequest(`Array parameters are not supported (parameter ${name})`);
  const hint = parameter.typeHint;
  if (hint !== undefined && !(hint in TYPE_HINTS)) {
    throw badRequest(`1 validation error detected: Value '${hint}' at 'parameters.${name}.typeHint' failed to satisfy constraint: Member must satisfy enum value set: [${Object.keys(TYPE_HINTS).join(', ')}]`);
  }
  const hinted = hint === undefined ? undefined : TYPE_HINTS[hint];
  if (members.length !== 1 || (value.isNull !== undefined && value.isNull !== true)) throw badRequest(`Parameter ${name} must have exactly one value`);
  if (hinted && value.stringValue === undefined && value.isNull !== true) throw badRequest(`Parameter ${name}: a typeHint applies to a stringValue only`);
  if (value.isNull) return { type: hinted?.type, text: null };
  if (value.stringValue !== undefined) {
    if (hinted?.format && !hinted.format.test(value.stringValue)) throw badRequest(`Parameter ${name}: a ${hint} value must have the format ${hinted.accepted}`);
    return { type: hinted?.type ?? 'varchar', text: value.stringValue };
  }
  if (value.longValue !== undefined) return { type: 'int8', text: longText(name, value.longValue) };
  if (value.doubleValue !== undefined) return { type: 'float8', text: String(value.doubleValue) };
  if (value.booleanValue !== undefined) return { type: 'bool', text: String(value.booleanValue) };
  if (value.blobValue !== undefined) return { type: 'bytea', text: `\\x${Buffer.from(value.blobValue, 'base64').toString('hex')}` };
  throw badRequest(`Parameter ${name} must have exactly one value`);
}

function longText(name: string, digits: string | number): string {
  const text = String(digits);
  if (!/^-?\d+$/.test(text) || BigInt(text) < INT64_MIN || BigInt(text) > INT64_MAX) throw badRequest(`Parameter ${name}: longValue ${text} is not a 64-bit integer`);
  return text;
}

/**
 * `:name` placeholders to `$n` with the type of their value, outside string literals, quoted
 * identifiers, comments, dollar-quoted bodies and `::` casts. Every parameter is bound (and checked)
 * before anything runs, whether the statement uses it or not.
 */
export function bindNamedParameters(sql: string, parameters: SqlParameter[]): BoundStatement {
  const bound = parameters.map(bindParameter);
  const names = parameters.map((parameter) => parameter.name ?? '');
  const values: (string | null)[] = [];
  const positionOf = new Map<string, string>();
  let text = '';
  for (let index = 0; index < sql.length; index++) {
    const char = sql[index] ?? '';
    if (char === "'" || char === '"') {
      const end = sql.indexOf(char, index + 1);
      const stop = end === -1 ? sql.length : end;
      text += sql.slice(index, stop + 1);
      index = stop;
      continue;
    }
    if (char === '-' && sql[index + 1] === '-') {
      const end = sql.indexOf('\n', index);
      const stop = end === -1 ? sql.length : end;
      text += sql.slice(index, stop);
      index = stop - 1;
      continue;
    }
    const dollar = char === '$' ? /^\$[A-Za-z_]*\$/.exec(sql.slice(index)) : null;
    if (dollar) {
      const end = sql.indexOf(dollar[0], index + dollar[0].length);
      const stop = end === -1 ? sql.length : end + dollar[0].length;
      text += sql.slice(index, stop);
      index = stop - 1;
      continue;
    }
    if (char === ':' && sql[index + 1] === ':') {
      text += '::';
      index++;
      continue;
    }
    const match = char === ':' ? /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(index + 1)) : null;
    if (match && names.includes(match[0])) {
      const name = match[0];
      let placeholder = positionOf.get(name);
      if (placeholder === undefined) {
        const value = bound[names.indexOf(name)] as BoundValue;
        values.push(value.text);
        // A typed placeholder, parenthesised so that what follows it (`[1]`, `::int`) applies to the value.
        placeholder = value.type ? `($${values.length}::${value.type})` : `$${values.length}`;
        positionOf.set(name, placeholder);
      }
      text += placeholder;
      index += name.length;
      continue;
    }
    text += char;
  }
  return { text, values };
}
