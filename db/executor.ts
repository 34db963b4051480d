import type { SQL } from 'drizzle-orm';

/** The two databases Herald runs on. Repositories are written once; a few statements differ. */
export type Dialect = 'sqlite' | 'postgres';

/**
 * Runs drizzle `sql` queries on one database, the one seam between the repositories and a driver.
 * Every method is async so a networked database can implement it; SQLite answers at once.
 *
 * Transactions are scoped to the async context that opened them: any query issued while `fn`
 * runs — through whichever repository — joins the transaction, and a nested `transaction` call
 * joins the outer one instead of opening another.
 */
export interface Executor {
  readonly dialect: Dialect;
  /** Every row the query returns (column names as the database spells them). */
  all<R>(query: SQL): Promise<R[]>;
  /** The first row, or undefined. */
  get<R>(query: SQL): Promise<R | undefined>;
  /** Runs a statement; resolves with the number of rows it changed. */
  run(query: SQL): Promise<number>;
  /** Runs `fn` atomically: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Inside a transaction: holds `key` until it ends, waiting for any other transaction holding it.
   * SQLite's single writer already serializes transactions; PostgreSQL takes an advisory lock.
   */
  lock(key: string): Promise<void>;
  /** Whether the calling async context is inside a transaction of this executor. */
  inTransaction(): boolean;
  /** Wakes every process listening on `channel` (PostgreSQL `NOTIFY`); a no-op on SQLite. */
  notify(channel: string): Promise<void>;
  /**
   * Calls `onNotify` for each notification on `channel`, across reconnections; resolves with a
   * function that stops listening. A no-op on SQLite (one process).
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  /** True when the database answers a trivial query and every migration has been applied. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}
