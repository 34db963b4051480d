import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { EventPayload } from '../../src/domain/types.js';
import { incidentInput, readDeliveries } from '../support/store-fixture.js';
import { STORES, useStore } from '../support/stores.js';

// What the database itself holds the outbox to, on both stores: an event reaches a person on a
// channel once (the idempotency key, unique as its three columns), and deleting a person, an event
// or an incident deletes their deliveries (triggers, where foreign keys with ON DELETE CASCADE
// did it before: db/schema.ts, the deliveries table).

const NOW = 1_700_000_000_000;

const payload = (incidentId: number): EventPayload => ({
  kind: 'update',
  incident: {
    id: incidentId,
    title: 'Checkout is down',
    summary: '',
    severity: 'SEV2',
    service: null,
    status: 'open',
  },
  text: 'Rolling back',
  at: NOW,
  by: null,
});

describe.each(STORES)('%s store: deliveries', (kind) => {
  const h = useStore(kind);

  async function scene() {
    const { store, db } = h();
    const { incident } = await store.incidents.create(incidentInput(), NOW);
    const [grace, ada] = await Promise.all(
      ['Grace', 'Ada'].map((n) => store.people.create({ displayName: n }, NOW)),
    );
    const enqueue = (incidentId = incident.id) =>
      store.outbox.enqueue(
        incidentId,
        payload(incidentId),
        [
          { personId: grace!.id, channel: 'slack', state: 'pending' },
          { personId: grace!.id, channel: 'email', state: 'pending' },
          { personId: ada!.id, channel: 'teams', state: 'pending' },
        ],
        NOW,
      );
    return { store, db, incidentId: incident.id, grace: grace!, ada: ada!, enqueue };
  }

  const insert = (eventId: number, personId: number, channel: string) =>
    sql`INSERT INTO deliveries (event_id, person_id, channel, state, next_attempt_at, created_at)
        VALUES (${eventId}, ${personId}, ${channel}, 'pending', ${NOW}, ${NOW})`;

  it('the database refuses a second delivery of an event to a person on a channel', async () => {
    const { db, grace, enqueue } = await scene();
    const { event } = await enqueue();
    await expect(db.run(insert(event.id, grace.id, 'slack'))).rejects.toThrow(/unique/i);
    await expect(db.run(insert(event.id, grace.id, 'email'))).rejects.toThrow(/unique/i);
    // Another channel, or another event, is another key.
    expect(await db.run(insert(event.id, grace.id, 'teams'))).toBe(1);
    const second = await enqueue();
    expect(second.queued).toBe(3);
    expect(await readDeliveries(db)).toHaveLength(7);
  });

  it('a fallback email is refused when the person already has the email of that event', async () => {
    const { db, grace, enqueue } = await scene();
    const { event } = await enqueue();
    const fallback = await db.all<{ id: number }>(
      sql`INSERT INTO deliveries (event_id, person_id, channel, state, next_attempt_at,
                                  fallback_of, created_at)
          VALUES (${event.id}, ${grace.id}, 'email', 'pending', ${NOW}, 1, ${NOW})
          ON CONFLICT (event_id, person_id, channel) DO NOTHING
          RETURNING id`,
    );
    expect(fallback).toEqual([]);
    expect(await readDeliveries(db)).toHaveLength(3);
  });

  it("deleting a person deletes their deliveries and no one else's", async () => {
    const { db, grace, ada, enqueue } = await scene();
    await enqueue();
    await enqueue();
    expect(await db.run(sql`DELETE FROM people WHERE id = ${grace.id}`)).toBe(1);
    const left = await readDeliveries(db);
    expect(left.map((d) => [d.person_id, d.channel])).toEqual([
      [ada.id, 'teams'],
      [ada.id, 'teams'],
    ]);
  });

  it('deleting several people in one statement deletes the deliveries of each', async () => {
    const { db, grace, ada, enqueue } = await scene();
    await enqueue();
    await db.run(sql`DELETE FROM people WHERE id IN (${grace.id}, ${ada.id})`);
    expect(await readDeliveries(db)).toEqual([]);
  });

  it('deleting an event, or the incident it belongs to, deletes its deliveries', async () => {
    const { store, db, incidentId, enqueue } = await scene();
    const { incident: other } = await store.incidents.create(incidentInput(), NOW);
    const first = await enqueue();
    const second = await enqueue();
    const elsewhere = await enqueue(other.id);
    await db.run(sql`DELETE FROM notification_events WHERE id = ${first.event.id}`);
    expect(new Set((await readDeliveries(db)).map((d) => d.event_id))).toEqual(
      new Set([second.event.id, elsewhere.event.id]),
    );
    await db.run(sql`DELETE FROM incidents WHERE id = ${incidentId}`);
    const left = await readDeliveries(db);
    expect(left).toHaveLength(3);
    expect(left.every((d) => d.event_id === elsewhere.event.id)).toBe(true);
  });
});
