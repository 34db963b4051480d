import { openSqlite } from './client.js';
import type { Executor } from './executor.js';
import { openPostgres } from './postgres.js';

export interface DatabaseSettings {
  /** SQLite file, used when `databaseUrl` is null. */
  databasePath: string;
  /** PostgreSQL URL; null for SQLite. */
  databaseUrl: string | null;
  databasePoolSize: number;
}

/** The URL without its password, for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

/**
 * Opens the configured database and applies its migrations: PostgreSQL at `DATABASE_URL`
 * (pooled; replicas starting together migrate once, under an advisory lock) or the SQLite file.
 * Errors name the variable, in one line.
 */
export async function openDatabase(
  settings: DatabaseSettings,
  onPoolError: (err: Error) => void = () => undefined,
): Promise<{ db: Executor; migrated: number; where: string }> {
  const { databaseUrl, databasePath, databasePoolSize } = settings;
  if (databaseUrl) {
    const where = redactUrl(databaseUrl);
    try {
      const { executor, migrated } = await openPostgres({
        url: databaseUrl,
        poolSize: databasePoolSize,
        migrate: true,
        onPoolError,
      });
      return { db: executor, migrated, where };
    } catch (err) {
      throw new Error(
        `DATABASE_URL="${where}": cannot open the database (${(err as Error).message})`,
      );
    }
  }
  try {
    return { db: openSqlite(databasePath), migrated: 0, where: databasePath };
  } catch (err) {
    throw new Error(
      `DATABASE_PATH="${databasePath}": cannot open the database (${(err as Error).message})`,
    );
  }
}
