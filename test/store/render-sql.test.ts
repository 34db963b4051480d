import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import { postgresPlaceholder, renderSql, sqlitePlaceholder } from '../../db/render-sql.js';
import { people } from '../../db/schema.js';

// The executors render queries with `renderSql` and fall back to drizzle's dialects: what it
// renders must be exactly what the dialect would, on both databases.

const sqlite = new SQLiteSyncDialect();
const postgres = new PgDialect();

const ids = [3, 1, 2];
const written: Record<string, SQL> = {
  'text only': sql`SELECT 1`,
  empty: sql.empty(),
  'values of every plain kind': sql`SELECT ${'text'}, ${42}, ${1.5}, ${10n}, ${true}, ${false}, ${null}`,
  'an IN list': sql`UPDATE deliveries SET lease_until = ${99} WHERE id IN ${ids} AND state = ${'sending'}`,
  'a list of one': sql`SELECT * FROM people WHERE id IN ${[7]}`,
  'nested templates': sql`SELECT * FROM t WHERE ${sql`a = ${1}`} AND ${sql`b IN ${['x', 'y']}`}`,
  'sql.join and sql.raw': sql`SELECT ${sql.join([sql`${1}`, sql.raw('now()'), sql`${'z'}`], sql`, `)}`,
  'an undefined piece': sql`SELECT 1${undefined}`,
  'text that looks like placeholders': sql`SELECT '?', '$1' WHERE a = ${'?'}`,
};

describe('renderSql', () => {
  for (const [name, query] of Object.entries(written)) {
    it(`renders ${name} as drizzle's SQLite and PostgreSQL dialects do`, () => {
      for (const [dialect, placeholder] of [
        [sqlite, sqlitePlaceholder],
        [postgres, postgresPlaceholder],
      ] as const) {
        const { sql: text, params } = dialect.sqlToQuery(query);
        expect(renderSql(query, placeholder)).toEqual({ sql: text, params });
      }
    });
  }

  it('numbers PostgreSQL parameters across nested templates and lists', () => {
    const query = sql`SELECT ${'a'} WHERE x IN ${[1, 2]} AND ${sql`y = ${'b'}`}`;
    expect(renderSql(query, postgresPlaceholder)?.sql).toBe(
      'SELECT $1 WHERE x IN ($2, $3) AND y = $4',
    );
  });

  it('gives up, for the dialect to render, on anything but text, plain values and templates', () => {
    const declined: Record<string, SQL> = {
      'a column': sql`SELECT ${people.id} FROM people`,
      'a table': sql`SELECT * FROM ${people}`,
      'a Param': sql`SELECT ${sql.param([1, 2])}`,
      'an identifier': sql`SELECT * FROM ${sql.identifier('people')}`,
      'a Date': sql`SELECT ${new Date(0)}`,
      'a list holding an object': sql`SELECT ${[1, { a: 1 }]}`,
      'a nested template with a column': sql`SELECT ${sql`${people.id}`}`,
      'inlined parameters': sql`SELECT ${1}`.inlineParams(),
      'an inlined nested template': sql`SELECT ${sql`${1}`.inlineParams()}`,
    };
    for (const [name, query] of Object.entries(declined)) {
      expect(renderSql(query, sqlitePlaceholder), name).toBeNull();
    }
  });
});
