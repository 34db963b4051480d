import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';
import type { SQL } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import type { Executor } from './executor.js';

type Statement = Database.Statement<unknown[], unknown>;

const MAX_STATEMENTS = 2000;

/** The transaction an async context runs in; `open` turns false at COMMIT or ROLLBACK. */
interface Scope {
  open: boolean;
}

/** better-sqlite3 binds numbers, strings, bigints, buffers and null: booleans become 1 and 0. */
const bindable = (value: unknown): unknown =>
  value === true ? 1 : value === false ? 0 : value === undefined ? null : value;

/**
 * The executor on one better-sqlite3 connection. SQLite has one writer and this process one
 * connection, so a transaction holds the connection from `BEGIN IMMEDIATE` to `COMMIT` across
 * awaits: queries from other async contexts wait for it (in order), those from inside it run at
 * once. A query when no transaction is open runs synchronously, so it can never land inside one.
 * Statements are prepared once per SQL text.
 */
export class SqliteExecutor implements Executor {
  readonly dialect = 'sqlite';
  private readonly render = new SQLiteSyncDialect();
  private readonly statements = new Map<string, Statement>();
  private readonly scope = new AsyncLocalStorage<Scope>();
  /** True while a transaction (or a query queued behind one) holds the connection. */
  private held = false;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly sqlite: Database.Database,
    private readonly isMigrated: () => boolean,
  ) {}

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
      this.sqlite.exec('BEGIN IMMEDIATE');
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
      const { sql, params } = this.render.sqlToQuery(query);
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
    if (this.inTransaction() || !this.held) {
      try {
        return Promise.resolve(now());
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
    return this.acquire().then(
      () => {
        try {
          return now();
        } finally {
          this.release();
        }
      },
      (err: unknown) => Promise.reject(err as Error),
    );
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
