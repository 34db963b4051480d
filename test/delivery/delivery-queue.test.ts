import { sql } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openSqlite } from '../../db/client.js';
import { SqlDeliveryQueue } from '../../db/delivery-queue.js';
import type { Executor } from '../../db/executor.js';
import type { SqliteExecutor } from '../../db/sqlite-executor.js';
import {
  readDeliveries,
  readDelivery,
  readReachable,
  seedDelivery,
  seedEvent,
  seedPerson,
} from '../support/store-fixture.js';
import { STORES, useStore } from '../support/stores.js';

// The delivery queue on a single connection, on both databases (the dialect-neutral cases), and
// the SQLite due query's plan (SQLite only, at the end). Claims across connections and a
// delivery's whole life: test/store/queue.test.ts.

const NOW = 1_700_000_000_000;
const LEASE = 60_000;

describe.each(STORES)('%s store', (kind) => {
  const h = useStore(kind);
  let db: Executor;
  let queue: SqlDeliveryQueue;
  let eventId: number;
  let incidentId: number;

  /** `n` people named P1…Pn, created in order. */
  async function seedPeople(n: number): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 1; i <= n; i++) ids.push(await seedPerson(db, { displayName: `P${i}` }));
    return ids;
  }

  beforeEach(async () => {
    ({ db, queue } = h());
    ({ eventId, incidentId } = await seedEvent(db, { now: NOW }));
  });

  describe('claimDue', () => {
    it('claims a due delivery with its person and event, mapped to the domain types', async () => {
      const personId = await seedPerson(db, {
        displayName: 'Grace',
        email: 'grace@example.com',
        slackUserId: 'U1',
        preferences: ['teams', 'email'],
      });
      const id = await seedDelivery(db, {
        eventId,
        personId,
        channel: 'slack',
        nextAttemptAt: NOW,
      });

      const [job, ...rest] = await queue.claimDue('slack', NOW, 10, LEASE);

      expect(rest).toEqual([]);
      expect(job!.delivery).toMatchObject({
        id,
        eventId,
        personId,
        channel: 'slack',
        idempotencyKey: `${eventId}:${personId}:slack`,
        state: 'sending',
        attempts: 1,
        leaseUntil: NOW + LEASE,
        lastError: null,
        fallbackOf: null,
      });
      expect(job!.person).toEqual({
        id: personId,
        displayName: 'Grace',
        email: 'grace@example.com',
        slackUserId: 'U1',
        teamsAadId: null,
        teamsConversationRef: null,
        slackReachable: true,
        teamsReachable: true,
        role: 'stakeholder',
        preferences: ['teams', 'email'],
      });
      expect(job!.event).toMatchObject({ id: eventId, kind: 'update', createdAt: NOW });
      expect(job!.threadRootId).toBeNull(); // email only
      expect(job!.event.payload).toMatchObject({
        kind: 'update',
        text: 'Rolling back the deploy.',
        incident: { title: 'Checkout is down', severity: 'SEV2', status: 'open' },
      });
      expect(await readDelivery(db, id)).toMatchObject({ state: 'sending', attempts: 1 });
    });

    it("claims the channel's pending and retrying rows that are due, oldest first, up to the limit", async () => {
      const p = await seedPeople(6);
      const late = await seedDelivery(db, {
        eventId,
        personId: p[0]!,
        channel: 'slack',
        nextAttemptAt: NOW,
      });
      const early = await seedDelivery(db, {
        eventId,
        personId: p[1]!,
        channel: 'slack',
        state: 'retrying',
        nextAttemptAt: NOW - 5_000,
      });
      const middle = await seedDelivery(db, {
        eventId,
        personId: p[2]!,
        channel: 'slack',
        nextAttemptAt: NOW - 1,
      });
      const otherChannel = await seedDelivery(db, {
        eventId,
        personId: p[5]!,
        channel: 'teams',
        nextAttemptAt: NOW - 10_000,
      });
      await seedDelivery(db, {
        eventId,
        personId: p[3]!,
        channel: 'slack',
        nextAttemptAt: NOW + 1,
      });
      await seedDelivery(db, { eventId, personId: p[4]!, channel: 'slack', state: 'sent' });

      expect((await queue.claimDue('slack', NOW, 2, LEASE)).map((j) => j.delivery.id)).toEqual([
        early,
        middle,
      ]);
      expect((await queue.claimDue('slack', NOW, 10, LEASE)).map((j) => j.delivery.id)).toEqual([
        late,
      ]);
      expect(await queue.claimDue('slack', NOW, 10, LEASE)).toEqual([]);
      expect((await queue.claimDue('teams', NOW, 10, LEASE)).map((j) => j.delivery.id)).toEqual([
        otherChannel,
      ]);
    });

    it('takes over a claim whose lease expired, not one whose lease is live', async () => {
      const [a, b] = [
        await seedPerson(db, { displayName: 'A' }),
        await seedPerson(db, { displayName: 'B' }),
      ];
      const expired = await seedDelivery(db, {
        eventId,
        personId: a,
        channel: 'slack',
        state: 'sending',
        attempts: 1,
        leaseUntil: NOW - 1,
      });
      const live = await seedDelivery(db, {
        eventId,
        personId: b,
        channel: 'slack',
        state: 'sending',
        attempts: 1,
        leaseUntil: NOW + 1,
      });

      const jobs = await queue.claimDue('slack', NOW, 10, LEASE);

      expect(jobs.map((j) => j.delivery.id)).toEqual([expired]);
      expect(jobs[0]!.delivery).toMatchObject({ attempts: 2, leaseUntil: NOW + LEASE });
      expect(await readDelivery(db, live)).toMatchObject({
        state: 'sending',
        attempts: 1,
        lease_until: NOW + 1,
      });
    });

    it('ends a row it cannot read as failed instead of claiming it forever', async () => {
      const personId = await seedPerson(db);
      const id = await seedDelivery(db, { eventId, personId, channel: 'slack' });
      await db.run(sql`UPDATE notification_events SET payload = '{oops'`);

      expect(await queue.claimDue('slack', NOW, 10, LEASE)).toEqual([]);
      expect((await readDelivery(db, id)).state).toBe('failed');
      expect((await readDelivery(db, id)).last_error).toMatch(/cannot load delivery/);
    });

    it("gives an email job its thread root: the person's first email on the incident not given up", async () => {
      const personId = await seedPerson(db, { email: 'grace@example.com' });
      const other = await seedPerson(db, { displayName: 'Other', email: 'other@example.com' });
      const laterEvent = async () => (await seedEvent(db, { now: NOW, incidentId })).eventId;
      // A first email that failed for good does not start the thread; the next one does.
      await seedDelivery(db, { eventId, personId, channel: 'email', state: 'failed' });
      const root = await seedDelivery(db, {
        eventId: await laterEvent(),
        personId,
        channel: 'email',
        state: 'sent',
      });
      const chat = await seedDelivery(db, {
        eventId: await laterEvent(),
        personId,
        channel: 'slack',
      });
      const mail = await seedDelivery(db, {
        eventId: await laterEvent(),
        personId,
        channel: 'email',
      });
      const first = await seedDelivery(db, { eventId, personId: other, channel: 'email' });
      // Another incident's email to the same person is a thread of its own.
      const elsewhere = (await seedEvent(db, { now: NOW, title: 'Search is slow' })).eventId;
      const own = await seedDelivery(db, { eventId: elsewhere, personId, channel: 'email' });

      const jobs = await queue.claimDue('email', NOW, 10, LEASE);
      expect(jobs.map((j) => [j.delivery.id, j.threadRootId])).toEqual([
        [mail, root],
        [first, first], // the first mail of a thread is its own root
        [own, own],
      ]);
      expect(
        (await queue.claimDue('slack', NOW, 10, LEASE)).map((j) => [j.delivery.id, j.threadRootId]),
      ).toEqual([[chat, null]]);
    });
  });

  describe('settling', () => {
    it('markSent records the time and clears the lease and error', async () => {
      const id = await seedDelivery(db, {
        eventId,
        personId: await seedPerson(db),
        channel: 'slack',
      });
      await queue.claimDue('slack', NOW, 1, LEASE);
      await queue.markSent(id, NOW + 5);
      expect(await readDelivery(db, id)).toMatchObject({
        state: 'sent',
        sent_at: NOW + 5,
        lease_until: null,
        last_error: null,
      });
    });

    it('scheduleRetry sets the next attempt, but never undoes a sent delivery', async () => {
      const id = await seedDelivery(db, {
        eventId,
        personId: await seedPerson(db),
        channel: 'slack',
      });
      await queue.claimDue('slack', NOW, 1, LEASE);
      await queue.scheduleRetry(id, NOW + 2_000, 'HTTP 503');
      expect(await readDelivery(db, id)).toMatchObject({
        state: 'retrying',
        next_attempt_at: NOW + 2_000,
        lease_until: null,
        last_error: 'HTTP 503',
      });

      await queue.markSent(id, NOW);
      await queue.scheduleRetry(id, NOW + 4_000, 'late loser');
      await queue.finish(id, {
        state: 'failed',
        error: 'late loser',
        fallbackToEmail: true,
        now: NOW,
      });
      expect(await readDelivery(db, id)).toMatchObject({ state: 'sent', last_error: null });
    });

    it('finish falls back to a new email delivery when the person has an address', async () => {
      const personId = await seedPerson(db, { email: 'grace@example.com' });
      const id = await seedDelivery(db, { eventId, personId, channel: 'teams' });
      await queue.claimDue('teams', NOW, 1, LEASE);

      const fallbackId = await queue.finish(id, {
        state: 'failed',
        error: 'MessageWritesBlocked',
        fallbackToEmail: true,
        now: NOW,
      });

      expect(fallbackId).not.toBeNull();
      expect(await readDelivery(db, id)).toMatchObject({
        state: 'failed',
        last_error: 'MessageWritesBlocked',
      });
      expect(await readDelivery(db, fallbackId!)).toMatchObject({
        event_id: eventId,
        person_id: personId,
        channel: 'email',
        state: 'pending',
        attempts: 0,
        next_attempt_at: NOW,
        fallback_of: id,
      });
      // Finishing again does not enqueue a second email.
      expect(
        await queue.finish(id, {
          state: 'failed',
          error: 'again',
          fallbackToEmail: true,
          now: NOW,
        }),
      ).toBeNull();
      expect(await readDeliveries(db)).toHaveLength(2);
    });

    it('finish does not add an email the person already gets for this event', async () => {
      const personId = await seedPerson(db, { email: 'grace@example.com' });
      const id = await seedDelivery(db, { eventId, personId, channel: 'slack' });
      await seedDelivery(db, { eventId, personId, channel: 'email', state: 'sent' });

      expect(
        await queue.finish(id, { state: 'failed', error: 'gone', fallbackToEmail: true, now: NOW }),
      ).toBeNull();
      expect((await readDelivery(db, id)).state).toBe('failed');
      expect(await readDeliveries(db)).toHaveLength(2);
    });

    it('finish ends a chat delivery undeliverable when there is no address to fall back to', async () => {
      const id = await seedDelivery(db, {
        eventId,
        personId: await seedPerson(db, { email: null }),
        channel: 'slack',
      });
      expect(
        await queue.finish(id, { state: 'failed', error: 'gone', fallbackToEmail: true, now: NOW }),
      ).toBeNull();
      expect(await readDelivery(db, id)).toMatchObject({
        state: 'undeliverable',
        last_error: 'gone',
      });
    });

    it('finish on an email delivery ends it as given: email has no fallback', async () => {
      const personId = await seedPerson(db, { email: 'grace@example.com' });
      const id = await seedDelivery(db, { eventId, personId, channel: 'email' });
      expect(
        await queue.finish(id, {
          state: 'undeliverable',
          error: '550',
          fallbackToEmail: true,
          now: NOW,
        }),
      ).toBeNull();
      expect((await readDelivery(db, id)).state).toBe('undeliverable');
      expect(await readDeliveries(db)).toHaveLength(1);
    });

    it('markUnreachable clears the channel flag only', async () => {
      const personId = await seedPerson(db);
      await queue.markUnreachable(personId, 'teams');
      expect(await readReachable(db, personId)).toEqual({ slack: true, teams: false });
      await queue.markUnreachable(personId, 'email');
      await queue.markUnreachable(personId, 'slack');
      expect(await readReachable(db, personId)).toEqual({ slack: false, teams: false });
    });
  });

  describe('release', () => {
    it('gives a claim back as it was before the claim', async () => {
      const first = await seedDelivery(db, {
        eventId,
        personId: await seedPerson(db),
        channel: 'slack',
      });
      const again = await seedDelivery(db, {
        eventId,
        personId: await seedPerson(db, { displayName: 'B' }),
        channel: 'slack',
        state: 'retrying',
        attempts: 2,
      });
      expect(await queue.claimDue('slack', NOW, 10, LEASE)).toHaveLength(2);
      await queue.release(first);
      await queue.release(again);
      expect(await readDelivery(db, first)).toMatchObject({
        state: 'pending',
        attempts: 0,
        lease_until: null,
      });
      expect(await readDelivery(db, again)).toMatchObject({
        state: 'retrying',
        attempts: 2,
        lease_until: null,
      });
      await queue.markSent(first, NOW);
      await queue.release(first); // only a claim can be given back
      expect((await readDelivery(db, first)).state).toBe('sent');
    });
  });

  describe('the due query', () => {
    it('merges every state in time order: a lapsed claim and one without a lease come back too', async () => {
      const p = await seedPeople(5);
      const at = (i: number, seed: Partial<Parameters<typeof seedDelivery>[1]>) =>
        seedDelivery(db, { eventId, personId: p[i]!, channel: 'slack', ...seed });
      const pending = await at(0, { nextAttemptAt: NOW - 10 });
      const retrying = await at(1, { state: 'retrying', nextAttemptAt: NOW - 30 });
      const noLease = await at(2, { state: 'sending', nextAttemptAt: NOW - 20, leaseUntil: null });
      const lapsed = await at(3, { state: 'sending', nextAttemptAt: NOW - 5, leaseUntil: NOW - 1 });
      await at(4, { state: 'sending', nextAttemptAt: NOW - 40, leaseUntil: NOW + 1_000 });

      expect((await queue.claimDue('slack', NOW, 10, LEASE)).map((j) => j.delivery.id)).toEqual([
        retrying,
        noLease,
        pending,
        lapsed,
      ]);
    });
  });

  describe('nextDueAt and counts', () => {
    it("nextDueAt is the channel's earliest waiting row or lease end, null when none waits", async () => {
      expect(await queue.nextDueAt('slack')).toBeNull();
      const p = await seedPeople(4);
      await seedDelivery(db, {
        eventId,
        personId: p[3]!,
        channel: 'email',
        nextAttemptAt: NOW - 1,
      });
      expect(await queue.nextDueAt('email')).toBe(NOW - 1);
      await seedDelivery(db, {
        eventId,
        personId: p[0]!,
        channel: 'slack',
        state: 'sent',
        nextAttemptAt: 1,
      });
      expect(await queue.nextDueAt('slack')).toBeNull();
      await seedDelivery(db, {
        eventId,
        personId: p[1]!,
        channel: 'slack',
        state: 'retrying',
        nextAttemptAt: NOW + 500,
      });
      expect(await queue.nextDueAt('slack')).toBe(NOW + 500);
      await seedDelivery(db, {
        eventId,
        personId: p[2]!,
        channel: 'slack',
        state: 'sending',
        nextAttemptAt: 0,
        leaseUntil: NOW + 100,
      });
      expect(await queue.nextDueAt('slack')).toBe(NOW + 100);
    });

    it('counts every state, zero included', async () => {
      expect(await queue.counts()).toEqual({
        pending: 0,
        sending: 0,
        sent: 0,
        retrying: 0,
        failed: 0,
        undeliverable: 0,
      });
      await seedDelivery(db, {
        eventId,
        personId: await seedPerson(db, { displayName: 'A' }),
        channel: 'slack',
      });
      await seedDelivery(db, {
        eventId,
        personId: await seedPerson(db, { displayName: 'B' }),
        channel: 'slack',
        state: 'sent',
      });
      expect(await queue.counts()).toMatchObject({ pending: 1, sent: 1, failed: 0 });
    });
  });
});

describe('SQLite only: the due query plan', () => {
  let db: SqliteExecutor;
  let queue: SqlDeliveryQueue;
  beforeEach(() => {
    db = openSqlite(':memory:');
    queue = new SqlDeliveryQueue(db);
  });
  afterEach(() => db.close());

  it('reads one index range per state and merges them, never sorting the backlog', async () => {
    // The query the queue really runs, caught on its way to the executor (which still runs it).
    const all = vi.spyOn(db, 'all');
    await queue.claimDue('slack', NOW, 16, LEASE);
    const render = new SQLiteSyncDialect();
    const due = all.mock.calls
      .map(([query]) => render.sqlToQuery(query))
      .filter((q) => /^\s*SELECT id, next_attempt_at FROM deliveries/.test(q.sql));
    expect(due).toHaveLength(1);
    expect(due[0]!.params).toEqual(['slack', NOW, 'slack', NOW, 'slack', NOW, 16]);
    const plan = (
      db.sqlite.prepare(`EXPLAIN QUERY PLAN ${due[0]!.sql}`).all(...due[0]!.params) as Array<{
        detail: string;
      }>
    ).map((row) => row.detail);
    expect(plan).toContain('MERGE (UNION ALL)');
    expect(plan.filter((d) => d.includes('deliveries_due_by_channel'))).toHaveLength(3);
    expect(plan.join('\n')).not.toMatch(/TEMP B-TREE|SCAN/);
  });
});
