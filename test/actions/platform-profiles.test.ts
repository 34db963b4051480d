import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../../db/client.js';
import type { Executor } from '../../db/executor.js';
import { openPostgres } from '../../db/postgres.js';
import { createStore } from '../../db/store.js';
import type { ActionContext } from '../../src/actions/context.js';
import {
  forgetStaleProfiles,
  freshProfiles,
  rememberProfiles,
} from '../../src/actions/platform-profiles.js';
import { meetTargets } from '../../src/actions/resolve-targets.js';
import type { PlatformProfile, SlackProfile, Target } from '../../src/domain/targets.js';
import { coreHarness } from '../support/core.js';
import { FakeClock } from '../support/fake-clock.js';
import { freshPostgres } from '../support/fresh-postgres.js';

const slack = (userId: string, over: Partial<SlackProfile> = {}): PlatformProfile => ({
  platform: 'slack',
  userId,
  displayName: `Person ${userId}`,
  email: `${userId.toLowerCase()}@corp.example`,
  isGuest: false,
  isBot: false,
  deleted: false,
  ...over,
});

const HOUR = 60 * 60 * 1000;

describe.each(['sqlite', 'postgres'] as const)('the shared profile cache on %s', (kind) => {
  let db: Executor;
  let ctx: ActionContext;
  let clock: FakeClock;
  let cleanup = () => undefined as void;
  beforeEach(async () => {
    if (kind === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'herald-profiles-'));
      db = openSqlite(join(dir, 'herald.db'));
      cleanup = () => rmSync(dir, { recursive: true, force: true });
    } else {
      db = (await openPostgres({ url: await freshPostgres(), poolSize: 2, migrate: false }))
        .executor;
    }
    clock = new FakeClock();
    ctx = {
      store: createStore(db),
      clock,
      channels: new Set(),
      admins: [],
      responderPolicy: 'members',
      onQueued: () => undefined,
    };
  });
  afterEach(async () => {
    await db.close();
    cleanup();
  });

  it('keeps what the platform said, serves it while fresh, and a late answer never undoes a newer one', async () => {
    const t0 = clock.now();
    await rememberProfiles(ctx, [slack('U1'), slack('U2', { isGuest: true })]);
    clock.advance(10 * 60 * 1000);
    await rememberProfiles(ctx, [slack('U2', { displayName: 'Newer' })]);
    // An answer asked for before the one stored (a slow users.info) is ignored.
    await rememberProfiles(ctx, [slack('U2', { displayName: 'Older' })], t0);

    const fresh = await freshProfiles(ctx, 'slack', ['U1', 'U2', 'U3'], HOUR);
    expect([...fresh.keys()].sort()).toEqual(['U1', 'U2']);
    expect(fresh.get('U1')).toEqual({ profile: slack('U1'), fetchedAt: t0 });
    expect(fresh.get('U2')?.profile).toMatchObject({ displayName: 'Newer', isGuest: false });
    expect(await freshProfiles(ctx, 'teams', ['U1'], HOUR)).toEqual(new Map());

    // Past the hour U1 is stale (asked again); U2, refreshed later, is not yet.
    clock.advance(50 * 60 * 1000);
    expect([...(await freshProfiles(ctx, 'slack', ['U1', 'U2'], HOUR)).keys()]).toEqual(['U2']);
  });

  it('takes a whole users.list page at once, repeats included, and forgets what went stale', async () => {
    const page = Array.from({ length: 600 }, (_, i) => slack(`U${i}`));
    await rememberProfiles(ctx, [...page, slack('U7', { deleted: true })]);
    const ids = page.map((p) => (p.platform === 'slack' ? p.userId : ''));
    const fresh = await freshProfiles(ctx, 'slack', ids, HOUR);
    expect(fresh.size).toBe(600);
    expect(fresh.get('U7')?.profile).toMatchObject({ deleted: true });

    clock.advance(2 * HOUR);
    await rememberProfiles(ctx, [slack('U1')]);
    clock.advance(23 * HOUR);
    expect(await forgetStaleProfiles(ctx, 24 * HOUR)).toBe(599);
    expect([...(await ctx.store.platformProfiles.get('slack', ids)).keys()]).toEqual(['U1']);
  });

  it('a stored profile that is not one for its row is ignored, not trusted', async () => {
    await rememberProfiles(ctx, [slack('U1')]);
    const other = JSON.stringify(slack('UOTHER'));
    await db.run(sql`UPDATE platform_profiles SET profile = ${other}`);
    expect(await freshProfiles(ctx, 'slack', ['U1'], HOUR)).toEqual(new Map());
  });
});

describe('meeting many strangers', () => {
  it('asks the directory for all of one platform in one batch, and only for people Herald has not met', async () => {
    const h = coreHarness();
    try {
      await h.person({ name: 'Known', slack: 'UKNOWN' });
      const batches: string[][] = [];
      const ctx: ActionContext = {
        ...h.ctx,
        directory: {
          profile: () => Promise.reject(new Error('asked one by one')),
          profiles: (platform, ids) => {
            batches.push([...ids]);
            return Promise.resolve(
              new Map(ids.filter((id) => id !== 'UGONE').map((id) => [id, slack(id)])),
            );
          },
        },
      };
      const users = ['U1', 'U2', 'UKNOWN', 'U1', 'UGONE', 'U3'].map((userId): Target => ({
        kind: 'user',
        platform: 'slack',
        userId,
      }));
      const met = await meetTargets(ctx, [...users, { kind: 'email', email: 'a@corp.example' }]);
      expect(batches).toEqual([['U1', 'U2', 'UGONE', 'U3']]);
      expect([...met.keys()].sort()).toEqual(['slack:U1', 'slack:U2', 'slack:U3']);
    } finally {
      await h.close();
    }
  });
});
