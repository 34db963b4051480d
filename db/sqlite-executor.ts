import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';
import type { SQL } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import type { Executor } from './executor.js';
import { renderSql, sqlitePlaceholder } from './render-sql.js';

type Statement = Database.Statement<unknown[], unknown>;

const MAX_STATEMENTS = 2000;

/** The transaction an async context runs in; `open` turns false at COMMIT or ROLLBACK. */
interface Scope {
  open: boolean;
}

/** better-sqlite3 binds numbers, strings, bigints, buffers and null: booleans become 1 and 0. */
const bindable = (value: unknown): unknown =>
  value === true ? 1 : value === false ? 0 : value === undefined ? null : value;

/** Another connection (another process, or another executor on the file) holds the write lock. */
const isBusy = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
};

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The executor on one better-sqlite3 connection. SQLite has one writer and this process one
 * connection, so a transaction holds the connection from `BEGIN IMMEDIATE` to `COMMIT` across
 * awaits: queries from other async contexts wait for it (in order), those from inside it run at
 * once. A query when no transaction is open runs synchronously, so it can never land inside one.
 * Statements are prepared once per SQL text.
 *
 * Another connection to the file (another process; another executor in this one) may hold the
 * write lock across awaits too. SQLite's own busy handler would wait for it by sleeping the thread:
 * every request of this process stalls meanwhile, and a holder in this same thread can never
 * finish, so the wait always ends in SQLITE_BUSY. The executor takes the connection's busy timeout
 * over and waits between event-loop turns instead.
 */
export class SqliteExecutor implements Executor {
  readonly dialect = 'sqlite';
  private readonly render = new SQLiteSyncDialect();
  private readonly statements = new Map<string, Statement>();
  private readonly scope = new AsyncLocalStorage<Scope>();
  /** True while a transaction (or a query queued behind one) holds the connection. */
  private held = false;
  private readonly waiting: Array<() => void> = [];
  /** How long a statement waits for another connection's write lock before SQLITE_BUSY. */
  private readonly lockWaitMs: number;

  constructor(
    readonly sqlite: Database.Database,
    private readonly isMigrated: () => boolean,
  ) {
    this.lockWaitMs = Number(sqlite.pragma('busy_timeout', { simple: true }));
    sqlite.pragma('busy_timeout = 0');
  }

  all<R>(query: SQL): Promise<R[]> {
    return this.exec(query, (stmt, params) => stmt.all(...params) as R[]);
  }

  get<R>(query: SQL): Promise<R | undefined> {
    return this.exec(query, (stmt, params) => stmt.get(...params) as R | undefined);
  }

  run(query: SQL): Promise<number> {
    return this.exec(query, (stmt, params) => stmt.run(...params).changes);
  }

  lock(key: string): Promise<void> {
    // One connection, one writer: a transaction here already excludes every other one.
    if (!this.inTransaction())
      return Promise.reject(new Error(`lock(${key}) outside a transaction`));
    return Promise.resolve();
  }

  inTransaction(): boolean {
    return this.scope.getStore()?.open === true;
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inTransaction()) return fn();
    await this.acquire();
    const scope: Scope = { open: true };
    try {
      await this.whenUnlocked(() => this.sqlite.exec('BEGIN IMMEDIATE'));
      try {
        const result = await this.scope.run(scope, fn);
        this.sqlite.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.sqlite.inTransaction) this.sqlite.exec('ROLLBACK');
        throw err;
      }
    } finally {
      scope.open = false;
      this.release();
    }
  }

  /** One process per file: an in-process wake-up is all there is to send. */
  notify(): Promise<void> {
    return Promise.resolve();
  }

  listen(): Promise<() => Promise<void>> {
    return Promise.resolve(() => Promise.resolve());
  }

  ready(): Promise<boolean> {
    try {
      return Promise.resolve(this.sqlite.open && this.isMigrated());
    } catch {
      return Promise.resolve(false);
    }
  }

  async close(): Promise<void> {
    // Wait for a transaction in progress: closing under it would lose its work.
    await this.acquire();
    this.sqlite.close();
    this.release();
  }

  /** Prepares (once) and runs a query now when the connection is free, else after the holder. */
  private exec<T>(query: SQL, step: (stmt: Statement, params: unknown[]) => T): Promise<T> {
    const now = () => {
      const { sql, params } = renderSql(query, sqlitePlaceholder) ?? this.render.sqlToQuery(query);
      let stmt = this.statements.get(sql);
      if (!stmt) {
        stmt = this.sqlite.prepare(sql);
        // IN lists make a text per length: keep the cache bounded, oldest out first.
        if (this.statements.size >= MAX_STATEMENTS) {
          this.statements.delete(this.statements.keys().next().value!);
        }
        this.statements.set(sql, stmt);
      }
      return step(stmt, params.map(bindable));
    };
    if (this.inTransaction()) {
      try {
        return Promise.resolve(now());
      } catch (err) {
        return Promise.reject(asError(err));
      }
    }
    if (!this.held) {
      try {
        return Promise.resolve(now());
      } catch (err) {
        if (!isBusy(err)) return Promise.reject(asError(err));
        // Another connection is writing: wait for it holding ours, so no transaction of this
        // executor begins meanwhile and takes the statement in.
      }
    }
    return this.acquire().then(async () => {
      try {
        return await this.whenUnlocked(now);
      } finally {
        this.release();
      }
    });
  }

  /**
   * Runs `step`; while another connection holds the write lock, runs it again after a pause (the
   * statement failed without effect), until the busy timeout has passed.
   */
  private async whenUnlocked<T>(step: () => T): Promise<T> {
    const deadline = Date.now() + this.lockWaitMs;
    for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
      try {
        return step();
      } catch (err) {
        if (!isBusy(err) || Date.now() >= deadline) throw asError(err);
      }
      await pause(wait);
    }
  }

  /** Takes the connection, waiting in line when a transaction holds it. */
  private acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Hands the connection to the next in line, or frees it. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }
}
