import { describe, expect, it } from 'vitest';
import { STORES, useStore } from '../support/stores.js';

// The store contract (src/ports.ts) for what processes share through the database: settings,
// leases, replicas and once-keys, on both databases. Races run across two connections (as two
// processes would), alternating callers between them.

const NOW = 1_700_000_000_000;
const FIVE = [0, 1, 2, 3, 4];

describe.each(STORES)('%s store: settings', (kind) => {
  const h = useStore(kind);

  it('get is null until set; set overwrites', async () => {
    const { settings } = h().store;
    expect(await settings.get('signing.key')).toBeNull();
    await settings.set('signing.key', 'a');
    expect(await settings.get('signing.key')).toBe('a');
    await settings.set('signing.key', 'b');
    expect(await settings.get('signing.key')).toBe('b');
    await settings.set('other', '');
    expect(await settings.get('other')).toBe('');
    expect(await settings.get('signing.key')).toBe('b');
  });

  it('setIfAbsent stores a value only when the key has none, and returns the stored one', async () => {
    const { settings } = h().store;
    expect(await settings.setIfAbsent('k', 'first')).toBe('first');
    expect(await settings.setIfAbsent('k', 'second')).toBe('first');
    expect(await settings.get('k')).toBe('first');
    await settings.set('k', 'third');
    expect(await settings.setIfAbsent('k', 'fourth')).toBe('third');
  });

  it('five processes racing setIfAbsent all end up with one value', async () => {
    const { store } = h();
    const other = await h().connect();
    const values = await Promise.all(
      FIVE.map((i) => (i % 2 === 0 ? store : other.store).settings.setIfAbsent('k', `v${i}`)),
    );
    expect(new Set(values).size).toBe(1);
    expect(values[0]).toMatch(/^v[0-4]$/);
    expect(await store.settings.get('k')).toBe(values[0]);
  });
});

describe.each(STORES)('%s store: leases', (kind) => {
  const h = useStore(kind);
  const TTL = 10_000;

  it('a free lease is taken; its holder extends it; another holder is refused until it runs out', async () => {
    const { leases } = h().store;
    expect(await leases.acquire('lane:slack', 'a', NOW, TTL)).toBe(true);
    expect(await leases.held('lane:', NOW)).toEqual([
      { name: 'lane:slack', holder: 'a', expiresAt: NOW + TTL },
    ]);
    expect(await leases.acquire('lane:slack', 'b', NOW + 1, TTL)).toBe(false);
    // The holder renews: the lease now runs to NOW + 5_000 + TTL.
    expect(await leases.acquire('lane:slack', 'a', NOW + 5_000, TTL)).toBe(true);
    expect(await leases.acquire('lane:slack', 'b', NOW + TTL, TTL)).toBe(false);
    expect(await leases.acquire('lane:slack', 'b', NOW + 5_000 + TTL - 1, TTL)).toBe(false);
    expect(await leases.held('lane:', NOW + 5_000 + TTL - 1)).toEqual([
      { name: 'lane:slack', holder: 'a', expiresAt: NOW + 5_000 + TTL },
    ]);
    // Run out: anyone may take it, and then the old holder is the one refused.
    expect(await leases.held('lane:', NOW + 5_000 + TTL)).toEqual([]);
    expect(await leases.acquire('lane:slack', 'b', NOW + 5_000 + TTL, TTL)).toBe(true);
    expect(await leases.acquire('lane:slack', 'a', NOW + 5_000 + TTL + 1, TTL)).toBe(false);
    expect(await leases.held('lane:', NOW + 5_000 + TTL)).toEqual([
      { name: 'lane:slack', holder: 'b', expiresAt: NOW + 5_000 + 2 * TTL },
    ]);
  });

  it('release gives the lease up only for its holder', async () => {
    const { leases } = h().store;
    await leases.acquire('job:reminders', 'a', NOW, TTL);
    await leases.release('job:reminders', 'b');
    expect(await leases.acquire('job:reminders', 'b', NOW + 1, TTL)).toBe(false);
    await leases.release('job:reminders', 'a');
    expect(await leases.held('job:', NOW + 1)).toEqual([]);
    expect(await leases.acquire('job:reminders', 'b', NOW + 1, TTL)).toBe(true);
    await leases.release('job:never-held', 'a'); // not an error
  });

  it('held lists the live leases under a literal prefix, by name, with their ends', async () => {
    const { leases } = h().store;
    await leases.acquire('lane:teams', 'b', NOW, TTL);
    await leases.acquire('lane:email', 'a', NOW, TTL);
    await leases.acquire('lane:slack', 'c', NOW, 1);
    await leases.acquire('lanes', 'd', NOW, TTL);
    await leases.acquire('job:reminders', 'a', NOW, TTL);
    await leases.acquire('a%b', 'e', NOW, TTL);
    await leases.acquire('a_c', 'e', NOW, TTL);
    await leases.acquire('lane:email', 'a', NOW + 5, TTL);
    expect(await leases.held('lane:', NOW + 1)).toEqual([
      { name: 'lane:email', holder: 'a', expiresAt: NOW + 5 + TTL },
      { name: 'lane:teams', holder: 'b', expiresAt: NOW + TTL },
    ]);
    expect(await leases.held('lane:', NOW)).toHaveLength(3);
    expect((await leases.held('lane', NOW + 1)).map((l) => l.name)).toEqual([
      'lane:email',
      'lane:teams',
      'lanes',
    ]);
    // Wildcards mean themselves.
    expect((await leases.held('a%', NOW)).map((l) => l.name)).toEqual(['a%b']);
    expect((await leases.held('a_', NOW)).map((l) => l.name)).toEqual(['a_c']);
    expect((await leases.held('', NOW + 1)).map((l) => l.name)).toEqual([
      'a%b',
      'a_c',
      'job:reminders',
      'lane:email',
      'lane:teams',
      'lanes',
    ]);
  });

  it('of five processes racing for a free lease, one gets it', async () => {
    const { store } = h();
    const other = await h().connect();
    const got = await Promise.all(
      FIVE.map((i) =>
        (i % 2 === 0 ? store : other.store).leases.acquire('lane:slack', `r${i}`, NOW, TTL),
      ),
    );
    expect(got.filter(Boolean)).toHaveLength(1);
    const [lease] = await store.leases.held('lane:', NOW);
    expect(lease!.holder).toBe(`r${got.indexOf(true)}`);
  });
});

describe.each(STORES)('%s store: replicas', (kind) => {
  const h = useStore(kind);
  const WITHIN = 30_000;

  it('heartbeat answers every id seen within the window, by id; leave takes one out', async () => {
    const { replicas } = h().store;
    expect(await replicas.heartbeat('r2', NOW, WITHIN)).toEqual(['r2']);
    expect(await replicas.heartbeat('r1', NOW + 10_000, WITHIN)).toEqual(['r1', 'r2']);
    expect(await replicas.heartbeat('r3', NOW + WITHIN, WITHIN)).toEqual(['r1', 'r2', 'r3']);
    // r2 was last seen at NOW: outside the window a moment later.
    expect(await replicas.heartbeat('r3', NOW + WITHIN + 1, WITHIN)).toEqual(['r1', 'r3']);
    // A replica seen again is back.
    expect(await replicas.heartbeat('r2', NOW + WITHIN + 2, WITHIN)).toEqual(['r1', 'r2', 'r3']);
    await replicas.leave('r1');
    expect(await replicas.heartbeat('r3', NOW + WITHIN + 3, WITHIN)).toEqual(['r2', 'r3']);
    await replicas.leave('never-seen'); // not an error
    // The long gone are gone for good, whatever the window asked next.
    expect(await replicas.heartbeat('r4', NOW + 20 * WITHIN, WITHIN)).toEqual(['r4']);
    expect(await replicas.heartbeat('r4', NOW + 20 * WITHIN, 100 * WITHIN)).toEqual(['r4']);
  });
});

describe.each(STORES)('%s store: once', (kind) => {
  const h = useStore(kind);

  it('a key is claimed once until it expires, then once again', async () => {
    const { once } = h().store;
    expect(await once.claim('slack:req-1', NOW, NOW + 1_000)).toBe(true);
    expect(await once.claim('slack:req-1', NOW + 1, NOW + 2_000)).toBe(false);
    expect(await once.claim('slack:req-1', NOW + 999, NOW + 2_000)).toBe(false);
    expect(await once.claim('slack:req-2', NOW + 1, NOW + 1_000)).toBe(true);
    // Expired: the next claim is a first again, and holds until its own expiry.
    expect(await once.claim('slack:req-1', NOW + 1_000, NOW + 5_000)).toBe(true);
    expect(await once.claim('slack:req-1', NOW + 4_999, NOW + 9_000)).toBe(false);
    expect(await once.claim('slack:req-1', NOW + 5_000, NOW + 9_000)).toBe(true);
  });

  it('of five processes claiming one key at once, exactly one gets true', async () => {
    const { store } = h();
    const other = await h().connect();
    const claims = await Promise.all(
      FIVE.map((i) => (i % 2 === 0 ? store : other.store).once.claim('k', NOW, NOW + 1_000)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    // And five racing on an expired key: again exactly one.
    const again = await Promise.all(
      FIVE.map((i) =>
        (i % 2 === 0 ? store : other.store).once.claim('k', NOW + 1_000, NOW + 2_000),
      ),
    );
    expect(again.filter(Boolean)).toHaveLength(1);
  });

  it('survives the periodic sweep of expired keys', async () => {
    const { once } = h().store;
    expect(await once.claim('kept', NOW, NOW + 1_000_000)).toBe(true);
    // Past a hundred claims, a sweep deletes the expired keys; the live one stays claimed.
    for (let i = 0; i < 120; i++)
      expect(await once.claim(`k${i}`, NOW + i, NOW + i + 1)).toBe(true);
    expect(await once.claim('kept', NOW + 200, NOW + 1_000_000)).toBe(false);
    expect(await once.claim('k0', NOW + 200, NOW + 300)).toBe(true);
  });
});
