import { describe, expect, it } from 'vitest';
import { STORES, useStore } from '../support/stores.js';

// The store contract (src/ports.ts) for the stakeholder pages: sessions and the request
// counters, on both databases. Races run across two connections, as two replicas would.

const NOW = 1_700_000_000_000;
const HOUR = 60 * 60 * 1000;

describe.each(STORES)('%s store: web sessions', (kind) => {
  const h = useStore(kind);

  async function people() {
    const { store } = h();
    const ann = await store.people.create({ displayName: 'Ann', email: 'ann@x.example' }, NOW);
    const bob = await store.people.create({ displayName: 'Bob', email: 'bob@x.example' }, NOW);
    return { ann, bob };
  }

  it('a session names its person until it expires', async () => {
    const { webSessions } = h().store;
    const { ann } = await people();
    await webSessions.create({ idHash: 'h1', personId: ann.id, expiresAt: NOW + HOUR }, NOW);
    expect(await webSessions.personOf('h1', NOW)).toBe(ann.id);
    expect(await webSessions.personOf('h1', NOW + HOUR - 1)).toBe(ann.id);
    expect(await webSessions.personOf('h1', NOW + HOUR)).toBeNull();
    expect(await webSessions.personOf('unknown', NOW)).toBeNull();
  });

  it('another connection sees it and ends it', async () => {
    const { store } = h();
    const other = await h().connect();
    const { ann } = await people();
    await store.webSessions.create({ idHash: 'h1', personId: ann.id, expiresAt: NOW + HOUR }, NOW);
    expect(await other.store.webSessions.personOf('h1', NOW)).toBe(ann.id);
    await other.store.webSessions.delete('h1');
    expect(await store.webSessions.personOf('h1', NOW)).toBeNull();
  });

  it('deleteForPerson ends every session of that person and no one else’s', async () => {
    const { webSessions } = h().store;
    const { ann, bob } = await people();
    for (const [id, person] of [
      ['a1', ann],
      ['a2', ann],
      ['b1', bob],
    ] as const) {
      await webSessions.create({ idHash: id, personId: person.id, expiresAt: NOW + HOUR }, NOW);
    }
    expect(await webSessions.deleteForPerson(ann.id)).toBe(2);
    expect(await webSessions.personOf('a1', NOW)).toBeNull();
    expect(await webSessions.personOf('a2', NOW)).toBeNull();
    expect(await webSessions.personOf('b1', NOW)).toBe(bob.id);
    expect(await webSessions.deleteForPerson(ann.id)).toBe(0);
  });

  it('prune forgets the expired ones only', async () => {
    const { webSessions } = h().store;
    const { ann } = await people();
    await webSessions.create({ idHash: 'old', personId: ann.id, expiresAt: NOW + 10 }, NOW);
    await webSessions.create({ idHash: 'new', personId: ann.id, expiresAt: NOW + HOUR }, NOW);
    expect(await webSessions.prune(NOW + 10)).toBe(1);
    expect(await webSessions.personOf('new', NOW + 10)).toBe(ann.id);
  });

  it('a session id is unique', async () => {
    const { webSessions } = h().store;
    const { ann, bob } = await people();
    await webSessions.create({ idHash: 'h1', personId: ann.id, expiresAt: NOW + HOUR }, NOW);
    await expect(
      webSessions.create({ idHash: 'h1', personId: bob.id, expiresAt: NOW + HOUR }, NOW),
    ).rejects.toThrow();
    expect(await webSessions.personOf('h1', NOW)).toBe(ann.id);
  });
});

describe.each(STORES)('%s store: rate limits', (kind) => {
  const h = useStore(kind);

  it('counts hits in a fixed window that starts again after it ends', async () => {
    const { rateLimits } = h().store;
    expect(await rateLimits.hit('k', NOW, HOUR)).toBe(1);
    expect(await rateLimits.hit('k', NOW + 1, HOUR)).toBe(2);
    expect(await rateLimits.hit('other', NOW + 1, HOUR)).toBe(1);
    expect(await rateLimits.hit('k', NOW + HOUR - 1, HOUR)).toBe(3);
    // The window ended at NOW + HOUR: a new one starts with this hit.
    expect(await rateLimits.hit('k', NOW + HOUR, HOUR)).toBe(1);
    expect(await rateLimits.hit('k', NOW + HOUR + 1, HOUR)).toBe(2);
  });

  it('hits from two processes at once each get a distinct count', async () => {
    const { store } = h();
    const other = await h().connect();
    const counts = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? store : other.store).rateLimits.hit('k', NOW, HOUR),
      ),
    );
    expect(counts.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('prune forgets ended windows only', async () => {
    const { rateLimits } = h().store;
    await rateLimits.hit('short', NOW, 10);
    await rateLimits.hit('long', NOW, HOUR);
    expect(await rateLimits.prune(NOW + 10)).toBe(1);
    expect(await rateLimits.hit('long', NOW + 11, HOUR)).toBe(2);
    expect(await rateLimits.hit('short', NOW + 11, 10)).toBe(1);
  });
});
