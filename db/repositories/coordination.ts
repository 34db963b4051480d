import { sql } from 'drizzle-orm';
import type { LeasesRepo, OnceRepo, ReplicasRepo } from '../../src/ports.js';
import type { Executor } from '../executor.js';

export class SqlLeasesRepo implements LeasesRepo {
  constructor(private readonly db: Executor) {}

  async acquire(name: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    // One statement, so two processes cannot both see the lease free and both take it.
    const row = await this.db.get<{ holder: string }>(
      sql`INSERT INTO leases (name, holder, expires_at) VALUES (${name}, ${holder}, ${now + ttlMs})
          ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
           WHERE leases.holder = excluded.holder OR leases.expires_at <= ${now}
          RETURNING holder`,
    );
    return row?.holder === holder;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.db.run(sql`DELETE FROM leases WHERE name = ${name} AND holder = ${holder}`);
  }

  async held(
    prefix: string,
    now: number,
  ): Promise<Array<{ name: string; holder: string; expiresAt: number }>> {
    const rows = await this.db.all<{ name: string; holder: string; expiresAt: number | string }>(
      sql`SELECT name, holder, expires_at AS "expiresAt" FROM leases
           WHERE substr(name, 1, ${prefix.length}) = ${prefix} AND expires_at > ${now}
           ORDER BY name`,
    );
    // PostgreSQL answers a bigint as a string.
    return rows.map((r) => ({ ...r, expiresAt: Number(r.expiresAt) }));
  }
}

export class SqlReplicasRepo implements ReplicasRepo {
  constructor(private readonly db: Executor) {}

  async heartbeat(id: string, now: number, withinMs: number): Promise<string[]> {
    await this.db.run(
      sql`INSERT INTO replicas (id, seen_at) VALUES (${id}, ${now})
          ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`,
    );
    // The long gone are forgotten, so the table stays as small as the fleet.
    await this.db.run(sql`DELETE FROM replicas WHERE seen_at < ${now - 10 * withinMs}`);
    const rows = await this.db.all<{ id: string }>(
      sql`SELECT id FROM replicas WHERE seen_at >= ${now - withinMs} ORDER BY id`,
    );
    return rows.map((r) => r.id);
  }

  async leave(id: string): Promise<void> {
    await this.db.run(sql`DELETE FROM replicas WHERE id = ${id}`);
  }
}

/** How many claims between two sweeps of expired keys. */
const SWEEP_EVERY = 100;

export class SqlOnceRepo implements OnceRepo {
  private claims = 0;

  constructor(private readonly db: Executor) {}

  async claim(key: string, now: number, expiresAt: number): Promise<boolean> {
    if (++this.claims % SWEEP_EVERY === 0) {
      await this.db.run(sql`DELETE FROM once_keys WHERE expires_at <= ${now}`);
    }
    const row = await this.db.get<{ key: string }>(
      sql`INSERT INTO once_keys (key, expires_at) VALUES (${key}, ${expiresAt})
          ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at
           WHERE once_keys.expires_at <= ${now}
          RETURNING key`,
    );
    return row !== undefined;
  }
}
