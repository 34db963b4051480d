import { sql } from 'drizzle-orm';
import type { NewWebSession, RateLimitsRepo, WebSessionsRepo } from '../../src/ports.js';
import type { Executor } from '../executor.js';

export class SqlWebSessionsRepo implements WebSessionsRepo {
  constructor(private readonly db: Executor) {}

  async create(session: NewWebSession, now: number): Promise<void> {
    await this.db.run(
      sql`INSERT INTO web_sessions (id_hash, person_id, created_at, expires_at)
          VALUES (${session.idHash}, ${session.personId}, ${now}, ${session.expiresAt})`,
    );
  }

  async personOf(idHash: string, now: number): Promise<number | null> {
    const row = await this.db.get<{ person_id: number }>(
      sql`SELECT person_id FROM web_sessions WHERE id_hash = ${idHash} AND expires_at > ${now}`,
    );
    return row ? Number(row.person_id) : null;
  }

  async delete(idHash: string): Promise<void> {
    await this.db.run(sql`DELETE FROM web_sessions WHERE id_hash = ${idHash}`);
  }

  deleteForPerson(personId: number): Promise<number> {
    return this.db.run(sql`DELETE FROM web_sessions WHERE person_id = ${personId}`);
  }

  prune(now: number): Promise<number> {
    return this.db.run(sql`DELETE FROM web_sessions WHERE expires_at <= ${now}`);
  }
}

export class SqlRateLimitsRepo implements RateLimitsRepo {
  constructor(private readonly db: Executor) {}

  async hit(key: string, now: number, windowMs: number): Promise<number> {
    // One upsert: a window that has ended starts again at this hit, a live one counts it.
    const row = await this.db.get<{ hits: number }>(
      sql`INSERT INTO rate_limits (key, hits, window_ends) VALUES (${key}, 1, ${now + windowMs})
          ON CONFLICT (key) DO UPDATE SET
            hits = CASE WHEN rate_limits.window_ends <= ${now} THEN 1 ELSE rate_limits.hits + 1 END,
            window_ends = CASE WHEN rate_limits.window_ends <= ${now} THEN excluded.window_ends
                               ELSE rate_limits.window_ends END
          RETURNING hits`,
    );
    return Number(row?.hits ?? 0);
  }

  prune(now: number): Promise<number> {
    return this.db.run(sql`DELETE FROM rate_limits WHERE window_ends <= ${now}`);
  }
}
