import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { migrationsFolder as folderOf } from './migrations-folder.js';
import { PostgresExecutor } from './postgres-executor.js';

const migrationsFolder = folderOf('migrations-postgres');

/** Any number: every Herald process asks for the same one, so they migrate one at a time. */
const MIGRATION_LOCK = 0x48_45_52_41; // "HERA"

const INT8 = 20;

/** 64-bit integers (times in ms, counts) as numbers: they stay far below 2^53. */
const int8AsNumber = (value: string): number => Number(value);
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
    oid === INT8 && format !== 'binary'
      ? int8AsNumber
      : (pg.types.getTypeParser as (o: number, f?: string) => unknown)(
          oid,
          format,
        )) as typeof pg.types.getTypeParser,
};

export interface PostgresOptions {
  url: string;
  /** Connections in the pool. */
  poolSize: number;
  /** Called when an idle pooled connection fails (the server went away). */
  onPoolError?: (err: Error) => void;
}

/** A pool that fails fast while the server is unreachable, instead of queueing requests. */
export function createPool(opts: PostgresOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // A statement that hangs (the server stalls) gives its connection back rather than holding it.
    query_timeout: 30_000,
    types,
  });
  // An idle client whose server went away is discarded by the pool; without a listener the
  // 'error' event would end the process.
  pool.on('error', (err) => opts.onPoolError?.(err));
  return pool;
}

/**
 * Applies PostgreSQL migrations under a session advisory lock, so processes starting together on
 * an empty database migrate once: the first applies them, the others find them applied. Returns
 * how many this call applied.
 */
export async function migratePostgres(pool: pg.Pool): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      const before = await appliedMigrations(client);
      await migrate(drizzle(client), { migrationsFolder });
      return (await appliedMigrations(client)) - before;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

async function appliedMigrations(client: pg.ClientBase | pg.Pool): Promise<number> {
  const exists = await client.query<{ t: string | null }>(
    "SELECT to_regclass('drizzle.__drizzle_migrations') AS t",
  );
  if (!exists.rows[0]?.t) return 0;
  const res = await client.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations',
  );
  return res.rows[0]?.n ?? 0;
}

let cachedCount: number | undefined;
/** Every generated migration, from the journal drizzle-kit writes beside them. */
function migrationCount(): number {
  cachedCount ??= (
    JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
      entries: unknown[];
    }
  ).entries.length;
  return cachedCount;
}

/**
 * Opens the pool; with `migrate`, applies the migrations first (under the advisory lock). The
 * executor is ready once the server answers and every migration is applied.
 */
export async function openPostgres(
  opts: PostgresOptions & { migrate: boolean },
): Promise<{ executor: PostgresExecutor; migrated: number }> {
  const pool = createPool(opts);
  try {
    const migrated = opts.migrate ? await migratePostgres(pool) : 0;
    const executor = new PostgresExecutor(
      pool,
      async (p) => (await appliedMigrations(p)) >= migrationCount(),
      pg.Client,
    );
    return { executor, migrated };
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
}
