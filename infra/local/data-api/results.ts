import type pg from 'pg';
import { DataApiError } from './errors';
import { type ArrayElements, isCaseSensitive, isCurrency, isSigned, type PgType, parseArray, precisionAndScale } from './pg-types';
import { stringifyExact } from './wire';

/** `resultSetOptions` (https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/API_ResultSetOptions.html). */
export interface ResultSetOptions {
  decimalReturnType?: string;
  longReturnType?: string;
}

/** A result as PostgreSQL sent it: the text of each value, by position (names may repeat). */
export interface RawResult {
  fields: pg.FieldDef[];
  rows: (string | null)[][];
}

type Field = Record<string, unknown>;

/**
 * The limits on what the database returns (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.troubleshooting.html):
 * 64 KB per row ("Packet for query is too large") and 1 MiB per result ("Database response exceeded
 * size limit"), counted on the values as the database sent them. The model's UnsupportedResultException
 * names "the size was too large" among its causes, so both are answered with it.
 */
export const ROW_LIMIT_BYTES = 64 * 1024;
export const RESULT_LIMIT_BYTES = 1024 * 1024;
/** `formattedRecords` is at most 10 MB (ExecuteStatementResponse). */
export const JSON_RECORDS_LIMIT_BYTES = 10 * 1024 * 1024;

export function checkSize(result: RawResult): void {
  checkRowSizes(
    result.rows.map((row) => {
      let size = 0;
      for (const [index, value] of row.entries()) {
        if (value === null) continue;
        // bytea travels as hex text; the database's own size is half of it.
        size += result.fields[index]?.dataTypeID === 17 ? (value.length - 2) / 2 : Buffer.byteLength(value);
      }
      return size;
    }),
  );
}

/** The limits, on the size in bytes of each row of a result, whatever the engine. */
export function checkRowSizes(sizes: Iterable<number>): void {
  let total = 0;
  for (const size of sizes) {
    if (size > ROW_LIMIT_BYTES) throw new DataApiError('UnsupportedResultException', 'Packet for query is too large: a row of the result is over 64 KB');
    total += size;
    if (total > RESULT_LIMIT_BYTES) throw new DataApiError('UnsupportedResultException', 'Database returned more than the allowed response size limit');
  }
}

const blobOf = (text: string) => Buffer.from(text.replace(/^\\x/, ''), 'hex').toString('base64');
const isSpecialFloat = (text: string) => /^-?(NaN|Infinity)$/.test(text);

/** A scalar as the JSON format and `arrayValue` lists carry it: exact integers are bigints. */
function plainValue(text: string, type: PgType, options: ResultSetOptions): unknown {
  switch (type.kind) {
    case 'boolean':
      return text === 't';
    case 'long':
      return BigInt(text);
    case 'double':
      return isSpecialFloat(text) ? text : Number(text);
    case 'decimal':
      if (options.decimalReturnType !== 'DOUBLE_OR_LONG' || isSpecialFloat(text)) return text;
      return text.includes('.') ? Number(text) : BigInt(text);
    case 'blob':
      return blobOf(text);
    default:
      return text;
  }
}

/** The service refuses arrays of arrays: UnsupportedResultException lists "a multidimensional array". */
function elementsOf(text: string): (string | null)[] {
  const elements: ArrayElements = parseArray(text);
  if (elements.some((element) => Array.isArray(element))) throw new DataApiError('UnsupportedResultException', 'The result contains a multidimensional array, which the Data API does not support');
  return elements as (string | null)[];
}

/** A value as a record's `Field` (https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/API_Field.html). */
export function fieldOf(text: string | null, type: PgType, options: ResultSetOptions): Field {
  if (text === null) return { isNull: true };
  if (type.element) {
    const element = type.element;
    const values = elementsOf(text).map((item) => (item === null ? null : plainValue(item, element, {})));
    if (element.kind === 'long') return { arrayValue: { longValues: values } };
    if (element.kind === 'double' && !values.some((value) => typeof value === 'string')) return { arrayValue: { doubleValues: values } };
    if (element.kind === 'boolean') return { arrayValue: { booleanValues: values } };
    return { arrayValue: { stringValues: values.map((value) => (value === null ? null : String(value))) } };
  }
  switch (type.kind) {
    case 'boolean':
      return { booleanValue: text === 't' };
    case 'long':
      return options.longReturnType === 'STRING' ? { stringValue: text } : { longValue: BigInt(text) };
    case 'double':
      return isSpecialFloat(text) ? { stringValue: text } : { doubleValue: Number(text) };
    case 'decimal': {
      const value = plainValue(text, type, options);
      if (typeof value === 'bigint') return { longValue: value };
      return typeof value === 'number' ? { doubleValue: value } : { stringValue: text };
    }
    case 'blob':
      return { blobValue: blobOf(text) };
    default:
      return { stringValue: text };
  }
}

/**
 * A value in `formattedRecords`: numbers for integers (as strings with `longReturnType` STRING) and
 * floating point, strings for decimals unless `DOUBLE_OR_LONG`, base64 for binary, arrays as JSON
 * arrays, and every other type as a string (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api-json.html).
 */
function jsonValueOf(text: string | null, type: PgType, options: ResultSetOptions): unknown {
  if (text === null) return null;
  const element = type.element;
  if (element) return elementsOf(text).map((item) => (item === null ? null : plainValue(item, element, options)));
  if (type.kind === 'long' && options.longReturnType === 'STRING') return text;
  return plainValue(text, type, options);
}

export function recordsOf(result: RawResult, types: Map<number, PgType>, options: ResultSetOptions): Field[][] {
  return result.rows.map((row) => result.fields.map((field, index) => fieldOf(row[index] ?? null, types.get(field.dataTypeID) as PgType, options)));
}

/** `formattedRecords`: one object per row, keyed by column label, written with exact integers. */
export function formattedRecordsOf(result: RawResult, types: Map<number, PgType>, options: ResultSetOptions): string {
  const rows = result.rows.map((row) => Object.fromEntries(result.fields.map((field, index) => [field.name, jsonValueOf(row[index] ?? null, types.get(field.dataTypeID) as PgType, options)])));
  const text = stringifyExact(rows);
  if (Buffer.byteLength(text) > JSON_RECORDS_LIMIT_BYTES) throw new DataApiError('UnsupportedResultException', 'The JSON-formatted result is over the 10 MB limit');
  return text;
}

interface TableColumn {
  rel: string;
  num: string;
  table_name: string;
  not_null: string;
  auto_increment: string;
}

/**
 * `columnMetadata` as the JDBC driver behind the service describes columns
 * (https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/API_ColumnMetadata.html): the type's
 * `java.sql.Types` code and PostgreSQL name (`serial` for an auto-increment integer), nullability and
 * the table of a table's column, `schemaName` empty as the driver leaves it, 0 for an expression's.
 */
export async function columnMetadataOf(client: pg.ClientBase, result: RawResult, types: Map<number, PgType>): Promise<Record<string, unknown>[]> {
  const fromTables = result.fields.filter((field) => field.tableID !== 0);
  const columns = new Map<string, TableColumn>();
  if (fromTables.length > 0) {
    const { rows } = await client.query<TableColumn>({
      text: `SELECT a.attrelid AS rel, a.attnum AS num, c.relname AS table_name, a.attnotnull AS not_null,
          (a.attidentity <> '' OR COALESCE(pg_get_expr(d.adbin, d.adrelid), '') LIKE 'nextval(%') AS auto_increment
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE (a.attrelid, a.attnum) IN (SELECT * FROM unnest($1::oid[], $2::int2[]))`,
      values: [`{${fromTables.map((field) => field.tableID).join(',')}}`, `{${fromTables.map((field) => field.columnID).join(',')}}`],
    });
    for (const row of rows) columns.set(`${row.rel}.${row.num}`, row);
  }
  return result.fields.map((field) => {
    const type = types.get(field.dataTypeID) as PgType;
    const column = columns.get(`${field.tableID}.${field.columnID}`);
    const autoIncrement = column?.auto_increment === 't';
    const serial = autoIncrement ? { int2: 'smallserial', int4: 'serial', int8: 'bigserial' }[type.name] : undefined;
    return {
      name: field.name,
      label: field.name,
      type: type.jdbcType,
      typeName: serial ?? type.name,
      schemaName: '',
      tableName: column?.table_name ?? '',
      isAutoIncrement: autoIncrement,
      isSigned: isSigned(type),
      isCurrency: isCurrency(type),
      isCaseSensitive: isCaseSensitive(type),
      nullable: column?.not_null === 't' ? 0 : 1,
      ...precisionAndScale(type, field.dataTypeModifier),
      arrayBaseColumnType: type.element?.jdbcType ?? 0,
    };
  });
}
