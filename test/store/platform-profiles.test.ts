import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { PlatformProfile } from '../../src/domain/targets.js';
import { STORES, useStore } from '../support/stores.js';

// The store contract (src/ports.ts) for the shared platform profiles, on both databases.

const NOW = 1_700_000_000_000;

const slack = (userId: string, displayName = userId): PlatformProfile => ({
  platform: 'slack',
  userId,
  displayName,
  email: `${userId.toLowerCase()}@example.com`,
  isGuest: false,
  isBot: false,
  deleted: false,
});

const teams = (aadId: string, displayName = aadId): PlatformProfile => ({
  platform: 'teams',
  aadId,
  displayName,
  email: null,
  conversationRef: null,
  tenantId: 'tenant-1',
});

describe.each(STORES)('%s store: platform profiles', (kind) => {
  const h = useStore(kind);

  it("stores profiles and answers a platform's users by id, leaving out the unknown", async () => {
    const { platformProfiles: profiles } = h().store;
    expect(await profiles.get('slack', ['U1'])).toEqual(new Map());
    await profiles.put([slack('U1', 'Grace'), slack('U2'), teams('U1', 'Teams user')], NOW);
    const got = await profiles.get('slack', ['U1', 'U3', 'U1']);
    expect(got).toEqual(new Map([['U1', { profile: slack('U1', 'Grace'), fetchedAt: NOW }]]));
    // The same user id on another platform is another user.
    expect(await profiles.get('teams', ['U1', 'U2'])).toEqual(
      new Map([['U1', { profile: teams('U1', 'Teams user'), fetchedAt: NOW }]]),
    );
    expect(await profiles.get('slack', [])).toEqual(new Map());
  });

  it('a newer answer replaces the stored one; a late, older one never undoes it', async () => {
    const { platformProfiles: profiles } = h().store;
    await profiles.put([slack('U1', 'Old')], NOW);
    await profiles.put([slack('U1', 'New')], NOW + 10);
    await profiles.put([slack('U1', 'Late')], NOW + 5);
    expect((await profiles.get('slack', ['U1'])).get('U1')).toEqual({
      profile: slack('U1', 'New'),
      fetchedAt: NOW + 10,
    });
    // One batch naming a user twice (PostgreSQL refuses to upsert a row twice in one statement):
    // one of them is stored, and no error.
    await profiles.put([slack('U2', 'First'), slack('U2', 'Second')], NOW);
    expect((await profiles.get('slack', ['U2'])).get('U2')!.profile).toMatchObject({
      userId: 'U2',
    });
  });

  it('a stored profile that is not one for its row reads as unknown', async () => {
    const { platformProfiles: profiles } = h().store;
    await profiles.put([slack('U1'), slack('U2')], NOW);
    await h().db.run(
      sql`UPDATE platform_profiles SET profile = ${JSON.stringify(slack('U9'))} WHERE user_id = 'U1'`,
    );
    await h().db.run(sql`UPDATE platform_profiles SET profile = '{oops' WHERE user_id = 'U2'`);
    expect(await profiles.get('slack', ['U1', 'U2'])).toEqual(new Map());
  });

  it('prune forgets the profiles fetched before a time, and says how many', async () => {
    const { platformProfiles: profiles } = h().store;
    await profiles.put([slack('U1'), teams('A1')], NOW);
    await profiles.put([slack('U2')], NOW + 10);
    expect(await profiles.prune(NOW)).toBe(0);
    expect(await profiles.prune(NOW + 10)).toBe(2);
    expect([...(await profiles.get('slack', ['U1', 'U2'])).keys()]).toEqual(['U2']);
    expect(await profiles.get('teams', ['A1'])).toEqual(new Map());
  });
});
