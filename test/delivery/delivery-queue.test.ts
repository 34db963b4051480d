import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../db/client.js';
import { DUE_IDS, SqliteDeliveryQueue } from '../../db/delivery-queue.js';
import {
  readDeliveries,
  readDelivery,
  readPerson,
  seedDelivery,
  seedEvent,
  seedPerson,
} from '../support/outbox-fixture.js';

const NOW = 1_700_000_000_000;
const LEASE = 60_000;

let db: Db;
let queue: SqliteDeliveryQueue;
let eventId: number;

beforeEach(() => {
  db = openDatabase(':memory:');
  queue = new SqliteDeliveryQueue(db);
  eventId = seedEvent(db, { now: NOW }).eventId;
});
afterEach(() => db.$client.close());

describe('claimDue', () => {
  it('claims a due delivery with its person and event, mapped to the domain types', () => {
    const personId = seedPerson(db, {
      displayName: 'Grace',
      email: 'grace@example.com',
      slackUserId: 'U1',
      preferences: ['teams', 'email'],
    });
    const id = seedDelivery(db, { eventId, personId, channel: 'slack', nextAttemptAt: NOW });

    const [job, ...rest] = queue.claimDue('slack', NOW, 10, LEASE);

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
    expect(job!.event.payload).toMatchObject({
      kind: 'update',
      text: 'Rolling back the deploy.',
      incident: { title: 'Checkout is down', severity: 'SEV2', status: 'open' },
    });
    expect(readDelivery(db, id)).toMatchObject({ state: 'sending', attempts: 1 });
  });

  it("claims the channel's pending and retrying rows that are due, oldest first, up to the limit", () => {
    const p = [1, 2, 3, 4, 5, 6].map((i) => seedPerson(db, { displayName: `P${i}` }));
    const late = seedDelivery(db, {
      eventId,
      personId: p[0]!,
      channel: 'slack',
      nextAttemptAt: NOW,
    });
    const early = seedDelivery(db, {
      eventId,
      personId: p[1]!,
      channel: 'slack',
      state: 'retrying',
      nextAttemptAt: NOW - 5_000,
    });
    const middle = seedDelivery(db, {
      eventId,
      personId: p[2]!,
      channel: 'slack',
      nextAttemptAt: NOW - 1,
    });
    const otherChannel = seedDelivery(db, {
      eventId,
      personId: p[5]!,
      channel: 'teams',
      nextAttemptAt: NOW - 10_000,
    });
    seedDelivery(db, { eventId, personId: p[3]!, channel: 'slack', nextAttemptAt: NOW + 1 });
    seedDelivery(db, { eventId, personId: p[4]!, channel: 'slack', state: 'sent' });

    expect(queue.claimDue('slack', NOW, 2, LEASE).map((j) => j.delivery.id)).toEqual([
      early,
      middle,
    ]);
    expect(queue.claimDue('slack', NOW, 10, LEASE).map((j) => j.delivery.id)).toEqual([late]);
    expect(queue.claimDue('slack', NOW, 10, LEASE)).toEqual([]);
    expect(queue.claimDue('teams', NOW, 10, LEASE).map((j) => j.delivery.id)).toEqual([
      otherChannel,
    ]);
  });

  it('takes over a claim whose lease expired, not one whose lease is live', () => {
    const [a, b] = [seedPerson(db, { displayName: 'A' }), seedPerson(db, { displayName: 'B' })];
    const expired = seedDelivery(db, {
      eventId,
      personId: a,
      channel: 'slack',
      state: 'sending',
      attempts: 1,
      leaseUntil: NOW - 1,
    });
    const live = seedDelivery(db, {
      eventId,
      personId: b,
      channel: 'slack',
      state: 'sending',
      attempts: 1,
      leaseUntil: NOW + 1,
    });

    const jobs = queue.claimDue('slack', NOW, 10, LEASE);

    expect(jobs.map((j) => j.delivery.id)).toEqual([expired]);
    expect(jobs[0]!.delivery).toMatchObject({ attempts: 2, leaseUntil: NOW + LEASE });
    expect(readDelivery(db, live)).toMatchObject({
      state: 'sending',
      attempts: 1,
      lease_until: NOW + 1,
    });
  });

  it('ends a row it cannot read as failed instead of claiming it forever', () => {
    const personId = seedPerson(db);
    const id = seedDelivery(db, { eventId, personId, channel: 'slack' });
    db.$client.prepare("UPDATE notification_events SET payload = '{oops'").run();

    expect(queue.claimDue('slack', NOW, 10, LEASE)).toEqual([]);
    expect(readDelivery(db, id).state).toBe('failed');
    expect(readDelivery(db, id).last_error).toMatch(/cannot load delivery/);
  });
});

describe('settling', () => {
  it('markSent records the time and clears the lease and error', () => {
    const id = seedDelivery(db, { eventId, personId: seedPerson(db), channel: 'slack' });
    queue.claimDue('slack', NOW, 1, LEASE);
    queue.markSent(id, NOW + 5);
    expect(readDelivery(db, id)).toMatchObject({
      state: 'sent',
      sent_at: NOW + 5,
      lease_until: null,
      last_error: null,
    });
  });

  it('scheduleRetry sets the next attempt, but never undoes a sent delivery', () => {
    const id = seedDelivery(db, { eventId, personId: seedPerson(db), channel: 'slack' });
    queue.claimDue('slack', NOW, 1, LEASE);
    queue.scheduleRetry(id, NOW + 2_000, 'HTTP 503');
    expect(readDelivery(db, id)).toMatchObject({
      state: 'retrying',
      next_attempt_at: NOW + 2_000,
      lease_until: null,
      last_error: 'HTTP 503',
    });

    queue.markSent(id, NOW);
    queue.scheduleRetry(id, NOW + 4_000, 'late loser');
    queue.finish(id, { state: 'failed', error: 'late loser', fallbackToEmail: true, now: NOW });
    expect(readDelivery(db, id)).toMatchObject({ state: 'sent', last_error: null });
  });

  it('finish falls back to a new email delivery when the person has an address', () => {
    const personId = seedPerson(db, { email: 'grace@example.com' });
    const id = seedDelivery(db, { eventId, personId, channel: 'teams' });
    queue.claimDue('teams', NOW, 1, LEASE);

    const fallbackId = queue.finish(id, {
      state: 'failed',
      error: 'MessageWritesBlocked',
      fallbackToEmail: true,
      now: NOW,
    });

    expect(fallbackId).not.toBeNull();
    expect(readDelivery(db, id)).toMatchObject({
      state: 'failed',
      last_error: 'MessageWritesBlocked',
    });
    expect(readDelivery(db, fallbackId!)).toMatchObject({
      event_id: eventId,
      person_id: personId,
      channel: 'email',
      idempotency_key: `${eventId}:${personId}:email`,
      state: 'pending',
      attempts: 0,
      next_attempt_at: NOW,
      fallback_of: id,
    });
    // Finishing again does not enqueue a second email.
    expect(
      queue.finish(id, { state: 'failed', error: 'again', fallbackToEmail: true, now: NOW }),
    ).toBeNull();
    expect(readDeliveries(db)).toHaveLength(2);
  });

  it('finish does not add an email the person already gets for this event', () => {
    const personId = seedPerson(db, { email: 'grace@example.com' });
    const id = seedDelivery(db, { eventId, personId, channel: 'slack' });
    seedDelivery(db, { eventId, personId, channel: 'email', state: 'sent' });

    expect(
      queue.finish(id, { state: 'failed', error: 'gone', fallbackToEmail: true, now: NOW }),
    ).toBeNull();
    expect(readDelivery(db, id).state).toBe('failed');
    expect(readDeliveries(db)).toHaveLength(2);
  });

  it('finish ends a chat delivery undeliverable when there is no address to fall back to', () => {
    const id = seedDelivery(db, {
      eventId,
      personId: seedPerson(db, { email: null }),
      channel: 'slack',
    });
    expect(
      queue.finish(id, { state: 'failed', error: 'gone', fallbackToEmail: true, now: NOW }),
    ).toBeNull();
    expect(readDelivery(db, id)).toMatchObject({ state: 'undeliverable', last_error: 'gone' });
  });

  it('finish on an email delivery ends it as given: email has no fallback', () => {
    const personId = seedPerson(db, { email: 'grace@example.com' });
    const id = seedDelivery(db, { eventId, personId, channel: 'email' });
    expect(
      queue.finish(id, { state: 'undeliverable', error: '550', fallbackToEmail: true, now: NOW }),
    ).toBeNull();
    expect(readDelivery(db, id).state).toBe('undeliverable');
    expect(readDeliveries(db)).toHaveLength(1);
  });

  it('markUnreachable clears the channel flag only', () => {
    const personId = seedPerson(db);
    queue.markUnreachable(personId, 'teams');
    expect(readPerson(db, personId)).toEqual({ slack_reachable: 1, teams_reachable: 0 });
    queue.markUnreachable(personId, 'email');
    queue.markUnreachable(personId, 'slack');
    expect(readPerson(db, personId)).toEqual({ slack_reachable: 0, teams_reachable: 0 });
  });
});

describe('release', () => {
  it('gives a claim back as it was before the claim', () => {
    const first = seedDelivery(db, { eventId, personId: seedPerson(db), channel: 'slack' });
    const again = seedDelivery(db, {
      eventId,
      personId: seedPerson(db, { displayName: 'B' }),
      channel: 'slack',
      state: 'retrying',
      attempts: 2,
    });
    expect(queue.claimDue('slack', NOW, 10, LEASE)).toHaveLength(2);
    queue.release(first);
    queue.release(again);
    expect(readDelivery(db, first)).toMatchObject({
      state: 'pending',
      attempts: 0,
      lease_until: null,
    });
    expect(readDelivery(db, again)).toMatchObject({
      state: 'retrying',
      attempts: 2,
      lease_until: null,
    });
    queue.markSent(first, NOW);
    queue.release(first); // only a claim can be given back
    expect(readDelivery(db, first).state).toBe('sent');
  });
});

describe('the due query', () => {
  it('merges every state in time order: a lapsed claim and one without a lease come back too', () => {
    const p = [1, 2, 3, 4, 5].map((i) => seedPerson(db, { displayName: `P${i}` }));
    const at = (i: number, seed: Partial<Parameters<typeof seedDelivery>[1]>) =>
      seedDelivery(db, { eventId, personId: p[i]!, channel: 'slack', ...seed });
    const pending = at(0, { nextAttemptAt: NOW - 10 });
    const retrying = at(1, { state: 'retrying', nextAttemptAt: NOW - 30 });
    const noLease = at(2, { state: 'sending', nextAttemptAt: NOW - 20, leaseUntil: null });
    const lapsed = at(3, { state: 'sending', nextAttemptAt: NOW - 5, leaseUntil: NOW - 1 });
    at(4, { state: 'sending', nextAttemptAt: NOW - 40, leaseUntil: NOW + 1_000 });

    expect(queue.claimDue('slack', NOW, 10, LEASE).map((j) => j.delivery.id)).toEqual([
      retrying,
      noLease,
      pending,
      lapsed,
    ]);
  });

  it('reads one index range per state and merges them, never sorting the backlog', () => {
    const plan = db.$client
      .prepare<{ channel: string; now: number; limit: number }, { detail: string }>(
        `EXPLAIN QUERY PLAN ${DUE_IDS}`,
      )
      .all({ channel: 'slack', now: NOW, limit: 16 })
      .map((row) => row.detail);
    expect(plan).toContain('MERGE (UNION ALL)');
    expect(plan.filter((d) => d.includes('deliveries_due_by_channel'))).toHaveLength(3);
    expect(plan.join('\n')).not.toMatch(/TEMP B-TREE|SCAN/);
  });
});

describe('nextDueAt and counts', () => {
  it("nextDueAt is the channel's earliest waiting row or lease end, null when none waits", () => {
    expect(queue.nextDueAt('slack')).toBeNull();
    const p = [1, 2, 3, 4].map((i) => seedPerson(db, { displayName: `P${i}` }));
    seedDelivery(db, { eventId, personId: p[3]!, channel: 'email', nextAttemptAt: NOW - 1 });
    expect(queue.nextDueAt('email')).toBe(NOW - 1);
    seedDelivery(db, {
      eventId,
      personId: p[0]!,
      channel: 'slack',
      state: 'sent',
      nextAttemptAt: 1,
    });
    expect(queue.nextDueAt('slack')).toBeNull();
    seedDelivery(db, {
      eventId,
      personId: p[1]!,
      channel: 'slack',
      state: 'retrying',
      nextAttemptAt: NOW + 500,
    });
    expect(queue.nextDueAt('slack')).toBe(NOW + 500);
    seedDelivery(db, {
      eventId,
      personId: p[2]!,
      channel: 'slack',
      state: 'sending',
      nextAttemptAt: 0,
      leaseUntil: NOW + 100,
    });
    expect(queue.nextDueAt('slack')).toBe(NOW + 100);
  });

  it('counts every state, zero included', () => {
    expect(queue.counts()).toEqual({
      pending: 0,
      sending: 0,
      sent: 0,
      retrying: 0,
      failed: 0,
      undeliverable: 0,
    });
    seedDelivery(db, { eventId, personId: seedPerson(db, { displayName: 'A' }), channel: 'slack' });
    seedDelivery(db, {
      eventId,
      personId: seedPerson(db, { displayName: 'B' }),
      channel: 'slack',
      state: 'sent',
    });
    expect(queue.counts()).toMatchObject({ pending: 1, sent: 1, failed: 0 });
  });
});
