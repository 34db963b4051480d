import { describe, expect, it } from 'vitest';
import { SqlDeliveryQueue } from '../../db/delivery-queue.js';
import type { DeliveryJob } from '../../src/delivery/ports.js';
import type { DeliveryState } from '../../src/domain/types.js';
import { eventually } from '../support/eventually.js';
import {
  incidentInput,
  readDeliveries,
  readDelivery,
  seedPendingDeliveries,
} from '../support/store-fixture.js';
import { STORES, useStore, type StoreHarness } from '../support/stores.js';

// The delivery queue's contract (src/delivery/ports.ts) across connections and over a delivery's
// life, on both databases: claims never overlap between processes, leases lapse and renew,
// settling lands. test/delivery/delivery-queue.test.ts holds the single-claim cases.

const NOW = 1_700_000_000_000;
const LEASE = 60_000;

const idsOf = (jobs: readonly DeliveryJob[]) => jobs.map((j) => j.delivery.id);
const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);

/** `count` pending slack deliveries due at NOW, in id order. */
const seedPending = async (h: StoreHarness, count: number): Promise<number[]> =>
  (await seedPendingDeliveries(h.db, count, 'slack', NOW)).deliveryIds;

describe.each(STORES)('%s store: delivery queue', (kind) => {
  const h = useStore(kind);

  it('claims what the outbox enqueued as pending, never what it recorded undeliverable', async () => {
    const { store, queue } = h();
    const { incident } = await store.incidents.create(incidentInput(), NOW);
    const grace = await store.people.create({ displayName: 'Grace', email: 'g@example.com' }, NOW);
    const bob = await store.people.create({ displayName: 'Bob' }, NOW);
    const { event } = await store.outbox.enqueue(
      incident.id,
      {
        kind: 'subscribed',
        incident: { ...incident, status: 'open' },
        text: null,
        at: NOW,
        by: null,
      },
      [
        { personId: grace.id, channel: 'email', state: 'pending' },
        { personId: bob.id, channel: 'email', state: 'undeliverable', lastError: 'no address' },
      ],
      NOW,
    );
    expect(await queue.claimDue('email', NOW - 1, 10, LEASE)).toEqual([]);
    const [job, ...rest] = await queue.claimDue('email', NOW, 10, LEASE);
    expect(rest).toEqual([]);
    expect(job!.person).toStrictEqual(grace);
    expect(job!.event).toStrictEqual(event);
    expect(job!.delivery).toMatchObject({ state: 'sending', attempts: 1, leaseUntil: NOW + LEASE });
    expect(job!.threadRootId).toBe(job!.delivery.id);
    expect(await queue.claimDue('email', NOW + 10 * LEASE, 10, LEASE)).toHaveLength(1); // lapsed
  });

  it('a limit of zero claims nothing', async () => {
    const { queue, db } = h();
    const [id] = await seedPending(h(), 1);
    expect(await queue.claimDue('slack', NOW, 0, LEASE)).toEqual([]);
    expect(await readDelivery(db, id!)).toMatchObject({ state: 'pending', attempts: 0 });
  });

  it('two queues on two connections, claiming together, never claim a row twice', async () => {
    const { queue } = h();
    const other = await h().connect();
    const all = await seedPending(h(), 40);
    const claimed: number[] = [];
    for (let round = 0; round < 20 && claimed.length < all.length; round++) {
      const [a, b] = await Promise.all([
        queue.claimDue('slack', NOW, 3, LEASE),
        other.queue.claimDue('slack', NOW, 3, LEASE),
      ]);
      claimed.push(...idsOf(a), ...idsOf(b));
    }
    expect(sorted(claimed)).toEqual(all);
    for (const row of await readDeliveries(h().db)) {
      expect(row).toMatchObject({ state: 'sending', attempts: 1, lease_until: NOW + LEASE });
    }
  });

  it('a claim started while another connection holds an uncommitted claim takes only the rest', async () => {
    const { db, queue } = h();
    const other = await h().connect();
    const all = await seedPending(h(), 10);
    let theirs: Promise<DeliveryJob[]> | undefined;
    const mine = await db.transaction(async () => {
      const jobs = await queue.claimDue('slack', NOW, 4, LEASE);
      // Started inside: PostgreSQL skips our locked rows; SQLite's other connection waits for
      // our commit (without blocking this process), then sees them claimed.
      theirs = other.queue.claimDue('slack', NOW, 10, LEASE);
      return jobs;
    });
    expect(idsOf(mine)).toEqual(all.slice(0, 4));
    expect(idsOf(await theirs!)).toEqual(all.slice(4));
  });

  if (kind === 'postgres') {
    it('PostgreSQL only: a claim skips rows another connection is claiming, without waiting (SKIP LOCKED)', async () => {
      const { db, queue } = h();
      const other = await h().connect();
      const all = await seedPending(h(), 10);
      // Both claims inside one open transaction of the first connection: had the second to wait
      // for the first's rows, it never would.
      const [mine, theirs] = await db.transaction(async () => {
        const first = await queue.claimDue('slack', NOW, 4, LEASE);
        const second = await other.queue.claimDue('slack', NOW, 10, LEASE);
        return [first, second];
      });
      expect(idsOf(mine)).toEqual(all.slice(0, 4));
      expect(idsOf(theirs)).toEqual(all.slice(4));
    });
  }

  it('a lapsed lease is reclaimed, by this process or another; a live one is not', async () => {
    const { queue } = h();
    const other = await h().connect();
    const [id] = await seedPending(h(), 1);
    await queue.claimDue('slack', NOW, 10, LEASE);
    expect(await other.queue.claimDue('slack', NOW + LEASE - 1, 10, LEASE)).toEqual([]);
    const [again] = await other.queue.claimDue('slack', NOW + LEASE, 10, LEASE);
    expect(again!.delivery).toMatchObject({
      id,
      state: 'sending',
      attempts: 2,
      leaseUntil: NOW + 2 * LEASE,
    });
    expect(await queue.claimDue('slack', NOW + 2 * LEASE - 1, 10, LEASE)).toEqual([]);
    expect(idsOf(await queue.claimDue('slack', NOW + 2 * LEASE, 10, LEASE))).toEqual([id]);
  });

  it('renew extends the leases of rows still sending, and only theirs', async () => {
    const { queue, db } = h();
    const [a, b, c] = await seedPending(h(), 3);
    await queue.claimDue('slack', NOW, 2, LEASE); // a and b
    await queue.markSent(b!, NOW + 1);
    await queue.renew([a!, b!, c!], NOW + 5 * LEASE);
    expect(await readDelivery(db, a!)).toMatchObject({
      state: 'sending',
      lease_until: NOW + 5 * LEASE,
    });
    expect(await readDelivery(db, b!)).toMatchObject({ state: 'sent', lease_until: null });
    expect(await readDelivery(db, c!)).toMatchObject({ state: 'pending', lease_until: null });
    // The renewed claim is not taken over when the first lease would have run out.
    expect(idsOf(await queue.claimDue('slack', NOW + LEASE, 10, LEASE))).toEqual([c]);
    await queue.renew([], NOW); // nothing to do
  });

  it('several markSent in one event-loop turn all land, stamped with the latest time', async () => {
    const { queue, db } = h();
    const ids = await seedPending(h(), 5);
    await queue.claimDue('slack', NOW, 10, LEASE);
    await Promise.all(ids.map((id, i) => queue.markSent(id, NOW + 10 - i)));
    for (const id of ids) {
      expect(await readDelivery(db, id)).toMatchObject({
        state: 'sent',
        sent_at: NOW + 10,
        lease_until: null,
        last_error: null,
      });
    }
  });

  it('markSent calls turns apart but within the batch window land together, with the latest time', async () => {
    const { db } = h();
    const queue = new SqlDeliveryQueue(db, { sentBatchMs: 500 });
    const ids = await seedPending(h(), 3);
    await queue.claimDue('slack', NOW, 10, LEASE);
    const first = queue.markSent(ids[0]!, NOW + 1);
    // Paced sends finish turns apart: each still joins the batch the first one opened.
    await new Promise((resolve) => setImmediate(resolve));
    const second = queue.markSent(ids[1]!, NOW + 2);
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all([first, second, queue.markSent(ids[2]!, NOW + 3)]);
    for (const id of ids) {
      expect(await readDelivery(db, id)).toMatchObject({ state: 'sent', sent_at: NOW + 3 });
    }
  });

  it('a sent batch waits while a claim could still join it, and is written once none can', async () => {
    const { db } = h();
    const queue = new SqlDeliveryQueue(db, { sentBatchMs: 60_000 });
    const ids = await seedPending(h(), 2);
    await queue.claimDue('slack', NOW, 10, LEASE);
    const first = queue.markSent(ids[0]!, NOW + 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await readDelivery(db, ids[0]!)).state).toBe('sending');
    // The other claim settles otherwise: nothing can join any more, so the batch goes at once
    // (not after the minute, which would outlast the test).
    await queue.scheduleRetry(ids[1]!, NOW + 1_000, 'busy');
    await first;
    expect(await readDelivery(db, ids[0]!)).toMatchObject({ state: 'sent', sent_at: NOW + 1 });
  });

  it('each markSent resolves once its row is written, across turns and past a chunk', async () => {
    const { queue, db } = h();
    const ids = await seedPending(h(), 520);
    await queue.claimDue('slack', NOW, 600, LEASE);
    const first = queue.markSent(ids[0]!, NOW + 1);
    const rest = ids.slice(1, 519).map((id) => queue.markSent(id, NOW + 2));
    await first;
    expect((await readDelivery(db, ids[0]!)).state).toBe('sent');
    await Promise.all(rest);
    // A later turn is a batch of its own.
    await queue.markSent(ids[519]!, NOW + 3);
    const rows = await readDeliveries(db);
    expect(rows.filter((r) => r.state === 'sent')).toHaveLength(520);
    expect(rows.at(-1)!.sent_at).toBe(NOW + 3);
    expect((await queue.counts()).sent).toBe(520);
  });

  it('release gives a claim back for any connection to take at once', async () => {
    const { queue } = h();
    const other = await h().connect();
    const [id] = await seedPending(h(), 1);
    await queue.claimDue('slack', NOW, 10, LEASE);
    await queue.release(id!);
    const [job] = await other.queue.claimDue('slack', NOW, 10, LEASE);
    expect(job!.delivery).toMatchObject({ id, attempts: 1 });
  });

  it('scheduleRetry makes the row due at its time, counting the attempt', async () => {
    const { queue, db } = h();
    const [id] = await seedPending(h(), 1);
    await queue.claimDue('slack', NOW, 10, LEASE);
    await queue.scheduleRetry(id!, NOW + 2_000, 'HTTP 503');
    expect(await queue.nextDueAt('slack')).toBe(NOW + 2_000);
    expect(await queue.claimDue('slack', NOW + 1_999, 10, LEASE)).toEqual([]);
    const [job] = await queue.claimDue('slack', NOW + 2_000, 10, LEASE);
    expect(job!.delivery).toMatchObject({ id, attempts: 2, lastError: 'HTTP 503' });
    expect((await readDelivery(db, id!)).state).toBe('sending');
  });

  it("finish's email fallback is claimable on the email channel, with the original's event", async () => {
    const { queue, store } = h();
    const [id] = await seedPending(h(), 1);
    const [claimed] = await queue.claimDue('slack', NOW, 10, LEASE);
    await store.people.update(claimed!.person.id, { email: 'p0@example.com' });
    const fallback = await queue.finish(id!, {
      state: 'failed',
      error: 'account_inactive',
      fallbackToEmail: true,
      now: NOW + 1,
    });
    expect(fallback).toEqual(expect.any(Number));
    const [mail] = await queue.claimDue('email', NOW + 1, 10, LEASE);
    expect(mail!.delivery).toMatchObject({ id: fallback, fallbackOf: id, attempts: 1 });
    expect(mail!.event).toStrictEqual(claimed!.event);
    expect(mail!.threadRootId).toBe(fallback);
  });

  it('counts every state as numbers, over a delivery life', async () => {
    const { queue } = h();
    const ids = await seedPending(h(), 6);
    const count = async () => {
      const counts = await queue.counts();
      for (const n of Object.values(counts)) expect(typeof n).toBe('number');
      return counts;
    };
    expect(await count()).toEqual({
      pending: 6,
      sending: 0,
      sent: 0,
      retrying: 0,
      failed: 0,
      undeliverable: 0,
    });
    await queue.claimDue('slack', NOW, 5, LEASE);
    await queue.markSent(ids[0]!, NOW);
    await queue.scheduleRetry(ids[1]!, NOW + 1_000, 'HTTP 500');
    await queue.finish(ids[2]!, { state: 'failed', error: 'x', fallbackToEmail: false, now: NOW });
    await queue.finish(ids[3]!, {
      state: 'undeliverable',
      error: 'y',
      fallbackToEmail: false,
      now: NOW,
    });
    const expected: Record<DeliveryState, number> = {
      pending: 1,
      sending: 1,
      sent: 1,
      retrying: 1,
      failed: 1,
      undeliverable: 1,
    };
    expect(await count()).toEqual(expected);
  });

  it('announce and listen resolve, and stopping listening resolves', async () => {
    const { queue } = h();
    const stop = await queue.listen(() => undefined);
    await expect(queue.announce()).resolves.toBeUndefined();
    await expect(stop()).resolves.toBeUndefined();
  });

  if (kind === 'postgres') {
    it('PostgreSQL only: an announcement on one connection wakes a listener on another', async () => {
      const { queue } = h();
      const other = await h().connect();
      let heard = 0;
      const stop = await queue.listen(() => (heard += 1));
      try {
        await other.queue.announce();
        await eventually(() => expect(heard).toBeGreaterThan(0));
      } finally {
        await stop();
      }
    });
  }
});
