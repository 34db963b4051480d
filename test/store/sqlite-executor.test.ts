import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../../db/client.js';
import { SqliteExecutor } from '../../db/sqlite-executor.js';

// SQLite only: how the executor waits for a write lock another connection holds (another process,
// or another executor on the file). The contract cases that rely on it run on both databases in
// test/store/transactions.test.ts and test/store/queue.test.ts.

describe('SQLite only: waiting for another connection’s write lock', () => {
  let dir: string;
  let holder: SqliteExecutor;
  let waiter: SqliteExecutor;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'herald-sqlite-'));
    const file = join(dir, 'herald.db');
    holder = openSqlite(file);
    const raw = new Database(file);
    raw.pragma('busy_timeout = 30');
    waiter = new SqliteExecutor(raw, () => true);
  });
  afterEach(async () => {
    await waiter.close();
    await holder.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('waits between event-loop turns, and gives up with SQLITE_BUSY after the busy timeout', async () => {
    let turns = 0;
    const ticker = setInterval(() => (turns += 1), 1);
    try {
      const failures = await holder.transaction(async () => {
        await holder.run(sql`INSERT INTO settings (key, value) VALUES ('held', '1')`);
        // Both the statement and the transaction wait for the holder, which never lets go here.
        return Promise.all([
          waiter.run(sql`INSERT INTO settings (key, value) VALUES ('a', '1')`).catch((e) => e),
          waiter.transaction(() => Promise.resolve()).catch((e) => e),
        ]);
      });
      expect(failures).toEqual([
        expect.objectContaining({ code: 'SQLITE_BUSY' }),
        expect.objectContaining({ code: 'SQLITE_BUSY' }),
      ]);
      // SQLite's own busy handler would have slept the thread: no timer could have fired.
      expect(turns).toBeGreaterThan(0);
    } finally {
      clearInterval(ticker);
    }
    // Once the holder is done, the waiter writes as usual.
    await waiter.run(sql`INSERT INTO settings (key, value) VALUES ('a', '1')`);
    expect(await holder.all(sql`SELECT key FROM settings ORDER BY key`)).toEqual([
      { key: 'a' },
      { key: 'held' },
    ]);
  });
});
