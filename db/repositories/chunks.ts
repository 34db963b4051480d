/**
 * Bound parameters are capped (SQLite: 32,766; PostgreSQL: 65,535): a query over a long id list
 * runs once per chunk of `size` and the rows are concatenated in order.
 */
export async function inChunks<T, R>(
  items: readonly T[],
  query: (chunk: T[]) => Promise<R[]>,
  size = 500,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(...(await query(items.slice(i, i + size))));
  }
  return out;
}
