import { decodePageToken, encodePageToken } from '../../../functions/adapters/dynamodb/table';

/** DynamoDB orders string sort keys by their UTF-8 bytes, not by UTF-16 code units as `<` does. */
export const bySortKey = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/**
 * One page of an in-memory listing with the table's paging rules (`queryPartitionPage`): items in
 * sort-key order (or reversed), filtered, a page filled while more items match, the token that of the
 * last item returned and checked against the listing's prefix the same way.
 */
export function pageOf<T>(
  items: Iterable<T>,
  sortKeyOf: (item: T) => string,
  query: { prefix: string; pageSize: number; nextToken?: string | undefined; newestFirst?: boolean; matches?: (item: T) => boolean },
): { items: T[]; nextToken: string | null } {
  const after = decodePageToken(query.nextToken, query.prefix);
  const direction = query.newestFirst ? -1 : 1;
  const found = [...items]
    .filter((item) => after === undefined || bySortKey(sortKeyOf(item), after) * direction > 0)
    .sort((a, b) => bySortKey(sortKeyOf(a), sortKeyOf(b)) * direction)
    .filter((item) => query.matches?.(item) ?? true);
  if (found.length <= query.pageSize) return { items: found, nextToken: null };
  const page = found.slice(0, query.pageSize);
  const last = page[page.length - 1];
  return { items: page, nextToken: last === undefined ? null : encodePageToken(sortKeyOf(last)) };
}
