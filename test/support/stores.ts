import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { openSqlite } from '../../db/client.js';
import { SqlDeliveryQueue } from '../../db/delivery-queue.js';
import type { Executor } from '../../db/executor.js';
import { openPostgres } from '../../db/postgres.js';
import { createStore } from '../../db/store.js';
import type { Store } from '../../src/ports.js';
import { freshPostgres } from './fresh-postgres.js';

/**
 * The two databases the store runs on, for `describe.each(STORES)`: every contract case runs on
 * a SQLite file and on a copy of the run's migrated PostgreSQL template.
 */
export const STORES = ['sqlite', 'postgres'] as const;
export type StoreKind = (typeof STORES)[number];

/** One connection to the database (one executor), as one Herald process holds it. */
export interface Connection {
  db: Executor;
  store: Store;
  queue: SqlDeliveryQueue;
}

export interface StoreHarness extends Connection {
  kind: StoreKind;
  /**
   * Another executor on the same database, as a second process would open it (a second
   * better-sqlite3 connection to the file; a second PostgreSQL pool). Closed with the harness.
   */
  connect(): Promise<Connection>;
  close(): Promise<void>;
}

/** Enough connections that five concurrent callers each get their own. */
const POOL_SIZE = 8;

const connection = (db: Executor): Connection => ({
  db,
  store: createStore(db),
  queue: new SqlDeliveryQueue(db),
});

/** A fresh, migrated, empty database of `kind` with a store and a delivery queue on it. */
export async function openStore(kind: StoreKind): Promise<StoreHarness> {
  let open: () => Promise<Executor>;
  let cleanup: () => void = () => undefined;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'herald-store-'));
    const file = join(dir, 'herald.db');
    open = () => Promise.resolve(openSqlite(file));
    cleanup = () => rmSync(dir, { recursive: true, force: true });
  } else {
    const url = await freshPostgres();
    open = async () => (await openPostgres({ url, poolSize: POOL_SIZE, migrate: false })).executor;
    // Not dropped: DROP DATABASE waits for a checkpoint, and the run's server goes with its data.
  }
  const executors: Executor[] = [];
  const connect = async () => {
    const db = await open();
    executors.push(db);
    return connection(db);
  };
  const first = await connect();
  return {
    kind,
    ...first,
    connect,
    async close() {
      // Connections opened by the test first, the harness's own last.
      for (const db of executors.reverse()) await db.close();
      cleanup();
    },
  };
}

/**
 * Opens a fresh store of `kind` before each test of the calling `describe` and closes it after;
 * returns the current test's harness.
 */
export function useStore(kind: StoreKind): () => StoreHarness {
  let current: StoreHarness | undefined;
  beforeEach(async () => {
    current = await openStore(kind);
  });
  afterEach(async () => {
    const h = current;
    current = undefined;
    await h?.close();
  });
  return () => {
    if (!current) throw new Error('the store is open only while a test runs');
    return current;
  };
}
