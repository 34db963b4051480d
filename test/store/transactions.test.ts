import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/ports.js';
import { countRows, incidentInput, seedEvent, seedPerson } from '../support/store-fixture.js';
import { STORES, useStore } from '../support/stores.js';

// The store contract (src/ports.ts) for transactions and locks, on both databases: atomic,
// joined by whatever runs inside them, nested calls included, and `lock` serializing
// read-modify-write across connections.

const NOW = 1_700_000_000_000;

class Boom extends Error {}

/** Yields to the event loop, so concurrent transactions really interleave where they can. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe.each(STORES)('%s store: transactions', (kind) => {
  const h = useStore(kind);

  it('commits what fn wrote and resolves with its result', async () => {
    const { store } = h();
    const result = await store.transaction(async (tx) => {
      const p = await tx.people.create({ displayName: 'Grace' }, NOW);
      await tx.incidents.create(incidentInput({ declaredBy: p.id }), NOW);
      return p.id;
    });
    expect(await store.people.byId(result)).toMatchObject({ displayName: 'Grace' });
    expect(await countRows(h().db, 'incidents')).toBe(1);
  });

  it('rolls back everything when fn throws, and rethrows', async () => {
    const { store, db } = h();
    const kept = await store.people.create({ displayName: 'Kept' }, NOW);
    await expect(
      store.transaction(async (tx) => {
        const p = await tx.people.create({ displayName: 'Grace' }, NOW);
        const team = await tx.stakeholderTeams.create('Payments', '', NOW);
        await tx.stakeholderTeams.addMembers(team.id, [p.id, kept.id], NOW);
        await tx.people.update(kept.id, { displayName: 'Changed', slackReachable: false });
        await tx.settings.set('k', 'v');
        await tx.incidents.create(incidentInput(), NOW);
        throw new Boom('no');
      }),
    ).rejects.toBeInstanceOf(Boom);
    expect(await countRows(db, 'people')).toBe(1);
    expect(await store.people.byId(kept.id)).toStrictEqual(kept);
    for (const table of ['stakeholder_teams', 'team_members', 'settings', 'incidents']) {
      expect(await countRows(db, table)).toBe(0);
    }
  });

  it('a failing statement rolls back the statements before it', async () => {
    const { store, db } = h();
    await expect(
      store.transaction(async (tx) => {
        await tx.people.create({ displayName: 'Grace' }, NOW);
        // No condition: the database refuses it.
        await tx.rules.create(
          { service: null, severities: null, personIds: [], teamIds: [], createdBy: null },
          NOW,
        );
      }),
    ).rejects.toThrow();
    expect(await countRows(db, 'people')).toBe(0);
  });

  it('repository calls made inside, through the outer store or the queue, join the transaction', async () => {
    const { store, queue, db } = h();
    const kept = await store.people.create({ displayName: 'Kept' }, NOW);
    await expect(
      store.transaction(async () => {
        // Not through `tx`: the store captured outside, and the delivery queue on the executor.
        await store.people.create({ displayName: 'Grace' }, NOW);
        await store.settings.set('k', 'v');
        await queue.markUnreachable(kept.id, 'slack');
        expect(await store.people.byId(kept.id)).toMatchObject({ slackReachable: false });
        throw new Boom('no');
      }),
    ).rejects.toBeInstanceOf(Boom);
    expect(await countRows(db, 'people')).toBe(1);
    expect(await store.settings.get('k')).toBeNull();
    expect(await store.people.byId(kept.id)).toMatchObject({ slackReachable: true });
  });

  it('a nested transaction joins the outer one: it sees its writes and goes with its rollback', async () => {
    const { store, db } = h();
    await expect(
      store.transaction(async (outer) => {
        const p = await outer.people.create({ displayName: 'Grace' }, NOW);
        const seen = await store.transaction(async (inner) => {
          await inner.stakeholderTeams.create('Payments', '', NOW);
          return inner.people.byId(p.id);
        });
        expect(seen).toStrictEqual(p);
        expect(db.inTransaction()).toBe(true);
        throw new Boom('no');
      }),
    ).rejects.toBeInstanceOf(Boom);
    expect(db.inTransaction()).toBe(false);
    expect(await countRows(db, 'people')).toBe(0);
    expect(await countRows(db, 'stakeholder_teams')).toBe(0);
  });

  it("a nested transaction's error, uncaught, undoes the whole", async () => {
    const { store, db } = h();
    await expect(
      store.transaction(async (outer) => {
        await outer.people.create({ displayName: 'Grace' }, NOW);
        await store.transaction(async (inner) => {
          await inner.settings.set('k', 'v');
          throw new Boom('inner');
        });
      }),
    ).rejects.toBeInstanceOf(Boom);
    expect(await countRows(db, 'people')).toBe(0);
    expect(await countRows(db, 'settings')).toBe(0);
  });

  it('the store is usable after a rollback', async () => {
    const { store } = h();
    await expect(
      store.transaction(async (tx) => {
        await tx.settings.set('k', 'rolled back');
        throw new Boom('no');
      }),
    ).rejects.toBeInstanceOf(Boom);
    const p = await store.transaction(async (tx) => {
      await tx.settings.set('k', 'kept');
      return tx.people.create({ displayName: 'Grace' }, NOW);
    });
    expect(await store.people.byId(p.id)).toStrictEqual(p);
    expect(await store.settings.get('k')).toBe('kept');
  });

  it('a write on another connection during an open transaction lands; neither is lost', async () => {
    const { store } = h();
    const other = await h().connect();
    let theirs: Promise<void> | undefined;
    await store.transaction(async (tx) => {
      await tx.settings.set('mine', '1');
      // PostgreSQL writes it at once; SQLite's other connection waits for the write lock, without
      // blocking this process, until the commit.
      theirs = other.store.settings.set('theirs', '2');
      await turn();
      await tx.settings.set('mine', '3');
    });
    await theirs;
    expect(await store.settings.get('mine')).toBe('3');
    expect(await store.settings.get('theirs')).toBe('2');
    expect(await other.store.settings.get('mine')).toBe('3');
  });

  it('lock outside a transaction is refused', async () => {
    await expect(h().store.lock('counter')).rejects.toThrow(/outside a transaction/);
  });

  it('read-modify-write under lock(key) loses no update, on one connection or two', async () => {
    const { store } = h();
    const other = await h().connect();
    await store.settings.set('counter', '0');
    const increment = (s: Store) =>
      s.transaction(async (tx) => {
        await tx.lock('counter');
        const n = Number(await tx.settings.get('counter'));
        await turn(); // another increment would read the same n here, were it not for the lock
        await tx.settings.set('counter', String(n + 1));
      });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => increment(i % 2 === 0 ? store : other.store)),
    );
    expect(await store.settings.get('counter')).toBe('10');
  });
});

describe.each(STORES)('%s store: seeding through the executor', (kind) => {
  const h = useStore(kind);

  // The queue tests seed rows with plain SQL; this keeps that fixture honest on both databases.
  it('seeds events and people that the repositories read back', async () => {
    const { db, store } = h();
    const { incidentId, eventId } = await seedEvent(db, { now: NOW });
    const personId = await seedPerson(db, { displayName: 'Grace', preferences: ['email'] });
    expect(await store.incidents.byId(incidentId)).toMatchObject({ createdAt: NOW });
    expect(await store.people.byId(personId)).toMatchObject({
      displayName: 'Grace',
      preferences: ['email'],
      slackReachable: true,
    });
    expect(eventId).toEqual(expect.any(Number));
  });
});
