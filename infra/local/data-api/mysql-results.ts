import type { FieldPacket } from 'mysql2';
import { DataApiError } from './errors';
import { JSON_RECORDS_LIMIT_BYTES, type ResultSetOptions } from './results';
import { stringifyExact } from './wire';

/** A result as MySQL sent it (text protocol): the bytes of each value, by position. */
export interface MysqlRawResult {
  fields: FieldPacket[];
  rows: (Buffer | null)[][];
}

/** MySQL's column type codes (`enum_field_types`) and column flags, as the protocol sends them. */
const TYPE = { DECIMAL: 0, TINY: 1, SHORT: 2, LONG: 3, FLOAT: 4, DOUBLE: 5, TIMESTAMP: 7, LONGLONG: 8, INT24: 9, DATE: 10, TIME: 11, DATETIME: 12, YEAR: 13, VARCHAR: 15, BIT: 16, JSON: 245, NEWDECIMAL: 246, ENUM: 247, SET: 248, BLOB: 252, VAR_STRING: 253, STRING: 254, GEOMETRY: 255 };
const FLAG = { NOT_NULL: 1, UNSIGNED: 32, AUTO_INCREMENT: 512 };
const BINARY_CHARSET = 63;

type Kind = 'boolean' | 'long' | 'double' | 'decimal' | 'blob' | 'string';

const typeOf = (field: FieldPacket) => field.columnType ?? field.type ?? -1;
const flagsOf = (field: FieldPacket) => (typeof field.flags === 'number' ? field.flags : 0);

/**
 * How the service carries a MySQL column, as its driver (Connector/J, defaults) reads it: TINYINT(1)
 * and BIT(1) as booleans (`tinyInt1isBit`), integers as longs, FLOAT and DOUBLE as doubles, DECIMAL as
 * a string, binary strings, BLOBs, other BITs and geometry as blobs, and the rest (dates and times,
 * text, ENUM, SET, JSON) as strings.
 */
function kindOf(field: FieldPacket): Kind {
  const type = typeOf(field);
  if ((type === TYPE.TINY || type === TYPE.BIT) && field.columnLength === 1) return 'boolean';
  if ([TYPE.TINY, TYPE.SHORT, TYPE.LONG, TYPE.LONGLONG, TYPE.INT24, TYPE.YEAR].includes(type)) return 'long';
  if (type === TYPE.FLOAT || type === TYPE.DOUBLE) return 'double';
  if (type === TYPE.DECIMAL || type === TYPE.NEWDECIMAL) return 'decimal';
  if (type === TYPE.BIT || type === TYPE.GEOMETRY) return 'blob';
  const binaryString = [TYPE.VARCHAR, TYPE.BLOB, TYPE.VAR_STRING, TYPE.STRING, 249, 250, 251].includes(type) && field.characterSet === BINARY_CHARSET;
  return binaryString ? 'blob' : 'string';
}

const INT64_MAX = 2n ** 63n - 1n;

/** A value as JSON and `Field`s carry it; a BIGINT UNSIGNED past 2^63 − 1 stays a string. */
function plainValue(bytes: Buffer, kind: Kind, options: ResultSetOptions): unknown {
  const text = kind === 'blob' ? '' : bytes.toString('utf8');
  switch (kind) {
    case 'boolean':
      // TINYINT(1) comes as digits, BIT(1) as one raw byte.
      return !(text === '0' || (bytes.length === 1 && bytes[0] === 0));
    case 'long':
      return BigInt(text) > INT64_MAX ? text : BigInt(text);
    case 'double':
      return Number(text);
    case 'decimal':
      if (options.decimalReturnType !== 'DOUBLE_OR_LONG') return text;
      return text.includes('.') ? Number(text) : BigInt(text);
    case 'blob':
      return bytes.toString('base64');
    default:
      return text;
  }
}

type Field = Record<string, unknown>;

function fieldOf(bytes: Buffer | null, kind: Kind, options: ResultSetOptions): Field {
  if (bytes === null) return { isNull: true };
  const value = plainValue(bytes, kind, options);
  if (typeof value === 'boolean') return { booleanValue: value };
  if (kind === 'blob') return { blobValue: value };
  if (typeof value === 'bigint') return kind === 'long' && options.longReturnType === 'STRING' ? { stringValue: String(value) } : { longValue: value };
  if (typeof value === 'number') return { doubleValue: value };
  return { stringValue: value };
}

export function mysqlRowSizes(result: MysqlRawResult): number[] {
  return result.rows.map((row) => row.reduce((size, value) => size + (value?.length ?? 0), 0));
}

export function mysqlRecordsOf(result: MysqlRawResult, options: ResultSetOptions): Field[][] {
  const kinds = result.fields.map(kindOf);
  return result.rows.map((row) => row.map((bytes, index) => fieldOf(bytes, kinds[index] ?? 'string', options)));
}

/** `formattedRecords`: one object per row, keyed by column label, as for PostgreSQL. */
export function mysqlFormattedRecordsOf(result: MysqlRawResult, options: ResultSetOptions): string {
  const kinds = result.fields.map(kindOf);
  const rows = result.rows.map((row) =>
    Object.fromEntries(
      result.fields.map((field, index) => {
        const bytes = row[index] ?? null;
        const kind = kinds[index] ?? 'string';
        if (bytes === null) return [field.name, null];
        const value = plainValue(bytes, kind, options);
        return [field.name, kind === 'long' && options.longReturnType === 'STRING' ? String(value) : value];
      }),
    ),
  );
  const text = stringifyExact(rows);
  if (Buffer.byteLength(text) > JSON_RECORDS_LIMIT_BYTES) throw new DataApiError('UnsupportedResultException', 'The JSON-formatted result is over the 10 MB limit');
  return text;
}

/** `java.sql.Types` and MySQL's type name for each column type, as Connector/J reports them. */
const JDBC_TYPES: Record<number, [jdbc: number, name: string]> = {
  [TYPE.DECIMAL]: [3, 'DECIMAL'],
  [TYPE.NEWDECIMAL]: [3, 'DECIMAL'],
  [TYPE.TINY]: [-6, 'TINYINT'],
  [TYPE.SHORT]: [5, 'SMALLINT'],
  [TYPE.INT24]: [4, 'MEDIUMINT'],
  [TYPE.LONG]: [4, 'INT'],
  [TYPE.LONGLONG]: [-5, 'BIGINT'],
  [TYPE.FLOAT]: [7, 'FLOAT'],
  [TYPE.DOUBLE]: [8, 'DOUBLE'],
  [TYPE.YEAR]: [91, 'YEAR'],
  [TYPE.DATE]: [91, 'DATE'],
  [TYPE.TIME]: [92, 'TIME'],
  [TYPE.DATETIME]: [93, 'DATETIME'],
  [TYPE.TIMESTAMP]: [93, 'TIMESTAMP'],
  [TYPE.BIT]: [-7, 'BIT'],
  [TYPE.JSON]: [-1, 'JSON'],
  [TYPE.ENUM]: [1, 'ENUM'],
  [TYPE.SET]: [1, 'SET'],
  [TYPE.GEOMETRY]: [-2, 'GEOMETRY'],
};

function jdbcTypeOf(field: FieldPacket): [number, string] {
  const type = typeOf(field);
  if (type === TYPE.TINY && field.columnLength === 1) return [-7, 'BIT'];
  const known = JDBC_TYPES[type];
  if (known) return known;
  const binary = field.characterSet === BINARY_CHARSET;
  if (type === TYPE.STRING) return binary ? [-2, 'BINARY'] : [1, 'CHAR'];
  if (type === TYPE.VARCHAR || type === TYPE.VAR_STRING) return binary ? [-3, 'VARBINARY'] : [12, 'VARCHAR'];
  return binary ? [-4, 'BLOB'] : [-1, 'TEXT'];
}

/**
 * `columnMetadata` as Connector/J describes MySQL columns: the `java.sql.Types` code and MySQL type
 * name (with ` UNSIGNED`), the schema and table of a table's column, flags from the column definition.
 */
export function mysqlColumnMetadataOf(result: MysqlRawResult): Record<string, unknown>[] {
  return result.fields.map((field) => {
    const [jdbc, name] = jdbcTypeOf(field);
    const flags = flagsOf(field);
    const unsigned = (flags & FLAG.UNSIGNED) !== 0;
    const kind = kindOf(field);
    return {
      name: field.orgName || field.name,
      label: field.name,
      type: jdbc,
      typeName: unsigned ? `${name} UNSIGNED` : name,
      schemaName: field.schema ?? field.db ?? '',
      tableName: field.orgTable ?? '',
      isAutoIncrement: (flags & FLAG.AUTO_INCREMENT) !== 0,
      isSigned: (kind === 'long' || kind === 'double' || kind === 'decimal') && !unsigned,
      isCurrency: false,
      isCaseSensitive: kind === 'blob' || (kind === 'string' && /_bin$|_cs$/.test(field.encoding ?? '')),
      nullable: (flags & FLAG.NOT_NULL) !== 0 ? 0 : 1,
      precision: field.columnLength ?? 0,
      scale: field.decimals,
      arrayBaseColumnType: 0,
    };
  });
}
