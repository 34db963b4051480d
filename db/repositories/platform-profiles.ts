import { sql } from 'drizzle-orm';
import { profileUserId, type Platform, type PlatformProfile } from '../../src/domain/targets.js';
import type { PlatformProfilesRepo, StoredProfile } from '../../src/ports.js';
import type { Executor } from '../executor.js';
import { toStoredProfile, type PlatformProfileRow } from '../rows.js';
import { inChunks } from './chunks.js';

/** Rows per INSERT: four parameters each, far under either database's cap. */
const ROWS_PER_INSERT = 250;

export class SqlPlatformProfilesRepo implements PlatformProfilesRepo {
  constructor(private readonly db: Executor) {}

  async get(platform: Platform, userIds: readonly string[]): Promise<Map<string, StoredProfile>> {
    const rows = await inChunks([...new Set(userIds)], (chunk) =>
      this.db.all<PlatformProfileRow>(
        sql`SELECT platform, user_id, profile, fetched_at FROM platform_profiles
             WHERE platform = ${platform} AND user_id IN ${chunk}`,
      ),
    );
    const out = new Map<string, StoredProfile>();
    for (const row of rows) {
      const stored = toStoredProfile(row);
      if (stored) out.set(row.user_id, stored);
    }
    return out;
  }

  async put(profiles: readonly PlatformProfile[], fetchedAt: number): Promise<void> {
    // One row per user: a statement may not update the same row twice (PostgreSQL refuses).
    const byUser = new Map(profiles.map((p) => [`${p.platform} ${profileUserId(p)}`, p]));
    const unique = [...byUser.values()];
    for (let i = 0; i < unique.length; i += ROWS_PER_INSERT) {
      const values = unique
        .slice(i, i + ROWS_PER_INSERT)
        .map((p) => sql`(${p.platform}, ${profileUserId(p)}, ${JSON.stringify(p)}, ${fetchedAt})`);
      await this.db.run(
        sql`INSERT INTO platform_profiles (platform, user_id, profile, fetched_at)
            VALUES ${sql.join(values, sql`, `)}
            ON CONFLICT (platform, user_id) DO UPDATE
               SET profile = excluded.profile, fetched_at = excluded.fetched_at
             WHERE platform_profiles.fetched_at <= excluded.fetched_at`,
      );
    }
  }

  prune(before: number): Promise<number> {
    return this.db.run(sql`DELETE FROM platform_profiles WHERE fetched_at < ${before}`);
  }
}
