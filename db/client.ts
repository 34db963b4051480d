import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { migrationsFolder as folderOf } from './migrations-folder.js';
import { SqliteExecutor } from './sqlite-executor.js';

const migrationsFolder = folderOf('migrations');

/**
 * Opens (creating if needed) the SQLite file with WAL, a busy timeout and foreign keys on, and
 * applies the migrations. `:memory:` gives a private in-memory database for tests.
 */
export function openSqlite(path: string): SqliteExecutor {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
    migrate(drizzle(sqlite), { migrationsFolder });
  } catch (err) {
    sqlite.close();
    throw err;
  }
  return new SqliteExecutor(sqlite, () => appliedMigrations(sqlite) >= migrationCount());
}

function appliedMigrations(sqlite: Database.Database): number {
  const row = sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as {
    n: number;
  };
  return row.n;
}

let cachedCount: number | undefined;
function migrationCount(): number {
  if (cachedCount === undefined) {
    // The journal lists every generated migration.
    const journal = JSON.parse(
      readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8'),
    ) as { entries: unknown[] };
    cachedCount = journal.entries.length;
  }
  return cachedCount;
}
