import type pg from 'pg';

/** How the Data API carries a value of a PostgreSQL type. */
export type ValueKind = 'boolean' | 'long' | 'double' | 'decimal' | 'blob' | 'string';

/** `java.sql.Types` codes, which `ColumnMetadata.type` reports (the service reads results over JDBC). */
const JDBC = { BIT: -7, BIGINT: -5, BINARY: -2, CHAR: 1, NUMERIC: 2, INTEGER: 4, SMALLINT: 5, REAL: 7, DOUBLE: 8, VARCHAR: 12, DATE: 91, TIME: 92, TIMESTAMP: 93, OTHER: 1111, SQLXML: 2009, ARRAY: 2003 };

export interface PgType {
  oid: number;
  name: string;
  kind: ValueKind;
  jdbcType: number;
  /** For an array type, its element type. */
  element?: PgType;
}

const scalar = (oid: number, name: string, kind: ValueKind, jdbcType: number): PgType => ({ oid, name, kind, jdbcType });

/** The built-in types whose OIDs never change; any other is looked up in `pg_type` once per database. */
const BUILTIN: PgType[] = [
  scalar(16, 'bool', 'boolean', JDBC.BIT),
  scalar(17, 'bytea', 'blob', JDBC.BINARY),
  scalar(18, 'char', 'string', JDBC.CHAR),
  scalar(19, 'name', 'string', JDBC.VARCHAR),
  scalar(20, 'int8', 'long', JDBC.BIGINT),
  scalar(21, 'int2', 'long', JDBC.SMALLINT),
  scalar(23, 'int4', 'long', JDBC.INTEGER),
  scalar(25, 'text', 'string', JDBC.VARCHAR),
  scalar(26, 'oid', 'long', JDBC.BIGINT),
  scalar(114, 'json', 'string', JDBC.OTHER),
  scalar(142, 'xml', 'string', JDBC.SQLXML),
  scalar(650, 'cidr', 'string', JDBC.OTHER),
  scalar(700, 'float4', 'double', JDBC.REAL),
  scalar(701, 'float8', 'double', JDBC.DOUBLE),
  scalar(705, 'unknown', 'string', JDBC.VARCHAR),
  scalar(790, 'money', 'string', JDBC.DOUBLE),
  scalar(869, 'inet', 'string', JDBC.OTHER),
  scalar(1033, 'aclitem', 'string', JDBC.OTHER),
  scalar(1042, 'bpchar', 'string', JDBC.CHAR),
  scalar(1043, 'varchar', 'string', JDBC.VARCHAR),
  scalar(1082, 'date', 'string', JDBC.DATE),
  scalar(1083, 'time', 'string', JDBC.TIME),
  scalar(1114, 'timestamp', 'string', JDBC.TIMESTAMP),
  scalar(1184, 'timestamptz', 'string', JDBC.TIMESTAMP),
  scalar(1186, 'interval', 'string', JDBC.OTHER),
  scalar(1266, 'timetz', 'string', JDBC.TIME),
  scalar(1700, 'numeric', 'decimal', JDBC.NUMERIC),
  scalar(2950, 'uuid', 'string', JDBC.OTHER),
  scalar(3802, 'jsonb', 'string', JDBC.OTHER),
];
const ARRAYS: [number, number][] = [
  [1000, 16], [1001, 17], [1002, 18], [1003, 19], [1005, 21], [1007, 23], [1009, 25], [1014, 1042], [1015, 1043],
  [1016, 20], [1021, 700], [1022, 701], [1028, 26], [1034, 1033], [1115, 1114], [1182, 1082], [1183, 1083],
  [1185, 1184], [1187, 1186], [1231, 1700], [2951, 2950], [199, 114], [3807, 3802],
];

const arrayOf = (oid: number, element: PgType): PgType => ({ oid, name: `_${element.name}`, kind: 'string', jdbcType: JDBC.ARRAY, element });

const builtins = new Map(BUILTIN.map((type) => [type.oid, type]));
for (const [oid, elementOid] of ARRAYS) builtins.set(oid, arrayOf(oid, builtins.get(elementOid) as PgType));

interface CatalogType {
  oid: string;
  typname: string;
  typtype: string;
  typcategory: string;
  typelem: string;
  typbasetype: string;
}

/**
 * The types of a result's columns. User types (enums, domains, their arrays) have OIDs of their own
 * in each database, so they are read from `pg_type` on the statement's own session and kept per
 * database: a domain takes its base type's shape, an enum is a string.
 */
export class PgTypes {
  private readonly byDatabase = new Map<string, Map<number, PgType>>();

  async resolve(client: pg.ClientBase, database: string, oids: number[]): Promise<Map<number, PgType>> {
    const known = this.byDatabase.get(database) ?? new Map<number, PgType>();
    this.byDatabase.set(database, known);
    const missing = [...new Set(oids)].filter((oid) => !builtins.has(oid) && !known.has(oid));
    if (missing.length > 0) await this.load(client, known, missing);
    return new Map(oids.map((oid) => [oid, builtins.get(oid) ?? known.get(oid) ?? scalar(oid, String(oid), 'string', JDBC.OTHER)]));
  }

  private async load(client: pg.ClientBase, known: Map<number, PgType>, oids: number[]): Promise<void> {
    const rows = new Map<number, CatalogType>();
    let wanted = oids;
    // Arrays and domains name other types: follow them until every one is known.
    while (wanted.length > 0) {
      const { rows: found } = await client.query<CatalogType>({
        text: 'SELECT oid, typname, typtype, typcategory, typelem, typbasetype FROM pg_type WHERE oid = ANY($1::oid[])',
        values: [`{${wanted.join(',')}}`],
      });
      for (const row of found) rows.set(Number(row.oid), row);
      wanted = found
        .flatMap((row) => [Number(row.typelem), Number(row.typbasetype)])
        .filter((oid) => oid !== 0 && !builtins.has(oid) && !rows.has(oid) && !known.has(oid));
    }
    const shape = (oid: number): PgType => {
      const existing = builtins.get(oid) ?? known.get(oid);
      if (existing) return existing;
      const row = rows.get(oid);
      let type: PgType;
      if (!row) type = scalar(oid, String(oid), 'string', JDBC.OTHER);
      else if (row.typtype === 'd') type = { ...shape(Number(row.typbasetype)), oid, name: row.typname };
      else if (row.typcategory === 'A' && Number(row.typelem) !== 0) type = arrayOf(oid, shape(Number(row.typelem)));
      else type = scalar(oid, row.typname, 'string', row.typtype === 'e' ? JDBC.VARCHAR : JDBC.OTHER);
      known.set(oid, type);
      return type;
    };
    for (const oid of oids) shape(oid);
  }
}

/**
 * PostgreSQL's text form of an array (`{1,2,NULL}`, `{"a b","c\"d"}`, `{{1,2},{3,4}}`) as nested lists
 * of element texts, `null` for NULL.
 */
export type ArrayElements = (string | null | ArrayElements)[];

export function parseArray(text: string): ArrayElements {
  // Arrays with other lower bounds start with their dimensions: `[0:1]={1,2}`.
  const body = text.startsWith('[') ? text.slice(text.indexOf('=') + 1) : text;
  let position = 0;
  const parseList = (): ArrayElements => {
    const items: ArrayElements = [];
    position++; // {
    if (body[position] === '}') {
      position++;
      return items;
    }
    while (position < body.length) {
      if (body[position] === '{') items.push(parseList());
      else if (body[position] === '"') {
        let value = '';
        position++;
        while (position < body.length && body[position] !== '"') {
          if (body[position] === '\\') position++;
          value += body[position] ?? '';
          position++;
        }
        position++; // closing quote
        items.push(value);
      } else {
        let end = position;
        while (end < body.length && body[end] !== ',' && body[end] !== '}') end++;
        const raw = body.slice(position, end).trim();
        items.push(raw === 'NULL' ? null : raw);
        position = end;
      }
      if (body[position] === ',') position++;
      else if (body[position] === '}') {
        position++;
        return items;
      }
    }
    return items;
  };
  return parseList();
}

/**
 * Precision and scale as the JDBC driver reports them from the type and its modifier (the service's
 * `ColumnMetadata`): digits for numbers, the declared length of strings, fractional seconds of times.
 */
export function precisionAndScale(type: PgType, modifier: number): { precision: number; scale: number } {
  const unlimited = 2147483647;
  const seconds = modifier === -1 ? 6 : modifier;
  switch (type.name) {
    case 'int2':
      return { precision: 5, scale: 0 };
    case 'int4':
    case 'oid':
      return { precision: 10, scale: 0 };
    case 'int8':
      return { precision: 19, scale: 0 };
    case 'float4':
      return { precision: 8, scale: 8 };
    case 'float8':
      return { precision: 17, scale: 17 };
    case 'numeric':
      return modifier === -1 ? { precision: 0, scale: 0 } : { precision: ((modifier - 4) >> 16) & 0xffff, scale: (modifier - 4) & 0xffff };
    case 'bool':
    case 'char':
      return { precision: 1, scale: 0 };
    case 'bpchar':
    case 'varchar':
      return { precision: modifier === -1 ? unlimited : modifier - 4, scale: 0 };
    case 'text':
    case 'bytea':
    case 'json':
    case 'jsonb':
      return { precision: unlimited, scale: 0 };
    case 'date':
      return { precision: 13, scale: 0 };
    case 'time':
      return { precision: 8 + (seconds > 0 ? seconds + 1 : 0), scale: seconds };
    case 'timetz':
      return { precision: 14 + (seconds > 0 ? seconds + 1 : 0), scale: seconds };
    case 'timestamp':
      return { precision: 19 + (seconds > 0 ? seconds + 1 : 0), scale: seconds };
    case 'timestamptz':
      return { precision: 25 + (seconds > 0 ? seconds + 1 : 0), scale: seconds };
    case 'uuid':
      return { precision: 36, scale: 0 };
    default:
      return { precision: 0, scale: 0 };
  }
}

const NUMBERS = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'money']);
const CASE_INSENSITIVE = new Set([...NUMBERS, 'oid', 'bool', 'bit', 'varbit', 'date', 'time', 'timetz', 'timestamp', 'timestamptz', 'interval']);

export const isSigned = (type: PgType) => NUMBERS.has(type.name) && type.name !== 'money';
export const isCaseSensitive = (type: PgType) => !CASE_INSENSITIVE.has(type.name);
export const isCurrency = (type: PgType) => type.name === 'money';
