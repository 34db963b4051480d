import { AsyncLocalStorage } from 'node:async_hooks';
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import type { Executor } from './executor.js';
import { postgresPlaceholder, renderSql } from './render-sql.js';

/** The transaction an async context runs in: its own pooled connection until COMMIT. */
interface Scope {
  client: pg.PoolClient;
  open: boolean;
}

/**
 * The executor on a PostgreSQL pool. A query outside a transaction takes any pooled connection;
 * a transaction checks one out from `BEGIN` to `COMMIT`, and every query of its async context goes
 * there. Statements are named once per text, so each connection plans them once.
 */
export class PostgresExecutor implements Executor {
  readonly dialect = 'postgres';
  private readonly render = new PgDialect();
  private readonly scope = new AsyncLocalStorage<Scope>();
  private readonly names = new Map<string, string>();

  constructor(
    readonly pool: pg.Pool,
    private readonly isMigrated: (client: pg.Pool) => Promise<boolean>,
    /** The client class for the LISTEN connection (pg's own). */
    private readonly pgClient: typeof pg.Client,
  ) {}

  async all<R>(query: SQL): Promise<R[]> {
    return (await this.query(query)).rows as R[];
  }

  async get<R>(query: SQL): Promise<R | undefined> {
    return (await this.query(query)).rows[0] as R | undefined;
  }

  async run(query: SQL): Promise<number> {
    return (await this.query(query)).rowCount ?? 0;
  }

  async lock(key: string): Promise<void> {
    if (!this.inTransaction()) throw new Error(`lock(${key}) outside a transaction`);
    // Transaction-scoped: released by COMMIT or ROLLBACK, never left behind by a dead replica.
    await this.run(sql`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
  }

  inTransaction(): boolean {
    return this.scope.getStore()?.open === true;
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inTransaction()) return fn();
    const client = await this.pool.connect();
    const scope: Scope = { client, open: true };
    let broken: Error | undefined;
    // A checked-out client has no 'error' listener (the pool's is only on idle ones): the server
    // going away between two statements of this transaction would otherwise end the process.
    // The failure reaches the transaction through its next statement; the client is not reused.
    const onError = (err: Error) => {
      broken ??= err;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      try {
        const result = await this.scope.run(scope, fn);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollback: unknown) => {
          // The connection is unusable (the server went away): it must not go back to the pool.
          broken = rollback as Error;
        });
        throw err;
      }
    } catch (err) {
      broken ??= isConnectionError(err) ? (err as Error) : undefined;
      throw err;
    } finally {
      scope.open = false;
      client.off('error', onError);
      client.release(broken);
    }
  }

  async notify(channel: string): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [channel, '']);
  }

  /**
   * LISTEN on a connection of its own (a pooled one would be handed to others between queries),
   * opened again a second after it drops, for as long as the listener is wanted.
   */
  async listen(channel: string, onNotify: () => void): Promise<() => Promise<void>> {
    let stopped = false;
    let client: pg.Client | null = null;
    let retry: NodeJS.Timeout | null = null;
    const connect = async (): Promise<void> => {
      if (stopped) return;
      const c = new this.pgClient(this.pool.options);
      client = c;
      const reconnect = () => {
        if (client !== c || stopped) return;
        client = null;
        c.end().catch(() => undefined);
        retry = setTimeout(() => void connect(), 1_000);
        retry.unref();
      };
      c.on('error', reconnect);
      c.on('end', reconnect);
      c.on('notification', (n) => {
        if (n.channel === channel) onNotify();
      });
      try {
        await c.connect();
        await c.query(`LISTEN ${quoteIdentifier(channel)}`);
      } catch {
        reconnect();
      }
    };
    await connect();
    return async () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    };
  }

  async ready(): Promise<boolean> {
    try {
      return await this.isMigrated(this.pool);
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private query(query: SQL): Promise<pg.QueryResult> {
    const { sql, params } = renderSql(query, postgresPlaceholder) ?? this.render.sqlToQuery(query);
    const scope = this.scope.getStore();
    const target = scope?.open ? scope.client : this.pool;
    return target.query({ name: this.nameOf(sql), text: sql, values: params });
  }

  /** A stable statement name per SQL text (PostgreSQL caps names at 63 bytes). */
  private nameOf(sql: string): string {
    let name = this.names.get(sql);
    if (!name) {
      name = `h${this.names.size.toString(36)}`;
      this.names.set(sql, name);
    }
    return name;
  }
}

const quoteIdentifier = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Errors that mean the connection itself is gone, not that a statement failed. */
function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    (code.startsWith('08') || ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', '57P01'].includes(code))
  );
}
