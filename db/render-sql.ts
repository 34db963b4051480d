import { SQL, StringChunk, type Query } from 'drizzle-orm';

/** A value a driver binds as it is. */
type Bindable = string | number | bigint | boolean | null;

const isBindable = (v: unknown): v is Bindable =>
  v === null ||
  typeof v === 'string' ||
  typeof v === 'number' ||
  typeof v === 'bigint' ||
  typeof v === 'boolean';

/** SQLite's parameter: `?`, bound in order. */
export const sqlitePlaceholder = (): string => '?';

/** PostgreSQL's `n`-th parameter (from 0): `$1`, `$2`, … */
export const postgresPlaceholder = (n: number): string => `$${n + 1}`;

/** `sql\`…\`.inlineParams()`: values written into the text (drizzle keeps the flag private). */
const inlinesParams = (query: SQL): boolean =>
  (query as unknown as { shouldInlineParams: boolean }).shouldInlineParams;

/**
 * Renders a query written as Herald's repositories write them (`sql` templates whose pieces are
 * text, plain values, arrays of plain values and nested templates) the way drizzle's dialect
 * renders it, without its generic walk (a class check per kind of chunk, objects per chunk). Any
 * other chunk (a column, a table, a `Param`, inlined parameters) returns `null`: render it with the
 * dialect.
 *
 * `placeholder(n)` is the text of the `n`-th parameter, from 0: `?` on SQLite, `$n+1` on PostgreSQL.
 */
export function renderSql(query: SQL, placeholder: (n: number) => string): Query | null {
  const params: unknown[] = [];
  let text = '';
  /** False at the first chunk it does not know. */
  const walk = (chunks: readonly unknown[]): boolean => {
    for (const chunk of chunks) {
      if (chunk instanceof StringChunk) {
        const value = chunk.value;
        text += value.length === 1 ? value[0]! : value.join('');
      } else if (isBindable(chunk)) {
        text += placeholder(params.length);
        params.push(chunk);
      } else if (Array.isArray(chunk)) {
        text += '(';
        for (let i = 0; i < chunk.length; i++) {
          const item: unknown = chunk[i];
          if (!isBindable(item)) return false;
          if (i > 0) text += ', ';
          text += placeholder(params.length);
          params.push(item);
        }
        text += ')';
      } else if (chunk instanceof SQL && !inlinesParams(chunk)) {
        if (!walk(chunk.queryChunks)) return false;
      } else if (chunk !== undefined) {
        return false;
      }
    }
    return true;
  };
  return !inlinesParams(query) && walk(query.queryChunks) ? { sql: text, params } : null;
}
