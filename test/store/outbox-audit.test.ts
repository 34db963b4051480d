import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { EventPayload } from '../../src/domain/types.js';
import { incidentInput, readDeliveries } from '../support/store-fixture.js';
import { STORES, useStore } from '../support/stores.js';

// The store contract (src/ports.ts) for the outbox as the core writes it, and the audit log, on
// both databases. The outbox as the worker sees it is test/store/queue.test.ts and
// test/delivery/delivery-queue.test.ts.

const NOW = 1_700_000_000_000;

const payload = (incidentId: number, text = 'Rolling back'): EventPayload => ({
  kind: 'update',
  incident: {
    id: incidentId,
    title: 'Checkout is down',
    summary: 'Payments fail',
    severity: 'SEV2',
    service: 'checkout',
    status: 'open',
  },
  text,
  at: NOW,
  by: 'Ada',
});

describe.each(STORES)('%s store: outbox', (kind) => {
  const h = useStore(kind);

  async function scene() {
    const { store, db } = h();
    const { incident } = await store.incidents.create(incidentInput(), NOW);
    const [grace, ada, bob] = await Promise.all(
      ['Grace', 'Ada', 'Bob'].map((n) => store.people.create({ displayName: n }, NOW)),
    );
    return { store, db, incidentId: incident.id, grace: grace!, ada: ada!, bob: bob! };
  }

  it('enqueue writes the event and its deliveries; queued counts only the pending ones', async () => {
    const { store, incidentId, grace, ada, bob } = await scene();
    const { event, queued } = await store.outbox.enqueue(
      incidentId,
      payload(incidentId),
      [
        { personId: grace.id, channel: 'slack', state: 'pending' },
        { personId: grace.id, channel: 'email', state: 'pending' },
        { personId: ada.id, channel: 'teams', state: 'pending' },
        { personId: bob.id, channel: 'email', state: 'undeliverable', lastError: 'no channel' },
      ],
      NOW,
    );
    expect(queued).toBe(3);
    expect(event).toStrictEqual({
      id: event.id,
      incidentId,
      kind: 'update',
      payload: payload(incidentId),
      createdAt: NOW,
    });
    const rows = await readDeliveries(h().db);
    expect(rows.map((r) => [r.event_id, r.person_id, r.channel, r.state, r.last_error])).toEqual([
      [event.id, grace.id, 'slack', 'pending', null],
      [event.id, grace.id, 'email', 'pending', null],
      [event.id, ada.id, 'teams', 'pending', null],
      [event.id, bob.id, 'email', 'undeliverable', 'no channel'],
    ]);
    for (const r of rows) {
      expect(r).toMatchObject({ event_id: event.id, attempts: 0, next_attempt_at: NOW });
      expect(r.created_at).toBe(NOW);
    }
  });

  it('enqueue writes a person and channel once per event (idempotency key)', async () => {
    const { store, incidentId, grace } = await scene();
    const first = await store.outbox.enqueue(
      incidentId,
      payload(incidentId),
      [
        { personId: grace.id, channel: 'slack', state: 'pending' },
        { personId: grace.id, channel: 'slack', state: 'pending' },
        { personId: grace.id, channel: 'email', state: 'pending' },
      ],
      NOW,
    );
    expect(first.queued).toBe(2);
    // Another event is another key.
    const second = await store.outbox.enqueue(
      incidentId,
      payload(incidentId, 'Fixed'),
      [{ personId: grace.id, channel: 'slack', state: 'pending' }],
      NOW,
    );
    expect(second.queued).toBe(1);
    expect(second.event.id).not.toBe(first.event.id);
    expect(await readDeliveries(h().db)).toHaveLength(3);
  });

  it('enqueue with no deliveries records the event alone', async () => {
    const { store, incidentId } = await scene();
    const { event, queued } = await store.outbox.enqueue(incidentId, payload(incidentId), [], NOW);
    expect(queued).toBe(0);
    expect(event.id).toEqual(expect.any(Number));
    expect(await readDeliveries(h().db)).toEqual([]);
  });

  it("enqueue writes a SEV1 fan-out larger than one statement's chunk", async () => {
    const { store, incidentId } = await scene();
    const many = await Promise.all(
      Array.from({ length: 450 }, (_, i) =>
        store.people.create({ displayName: `P${i}`, email: `p${i}@example.com` }, NOW),
      ),
    );
    const { queued } = await store.outbox.enqueue(
      incidentId,
      payload(incidentId),
      many.map((p) => ({ personId: p.id, channel: 'email' as const, state: 'pending' as const })),
      NOW,
    );
    expect(queued).toBe(450);
    expect(await readDeliveries(h().db)).toHaveLength(450);
  });

  it("firstSent: the lowest delivery on the channel that was not given up, this incident's only", async () => {
    const { store, db, incidentId, grace, ada } = await scene();
    const { incident: other } = await store.incidents.create(incidentInput(), NOW);
    expect(await store.outbox.firstSent(incidentId, grace.id, 'email')).toBeNull();
    const enqueue = (incident: number, channel: 'email' | 'slack', personId = grace.id) =>
      store.outbox.enqueue(
        incident,
        payload(incident),
        [{ personId, channel, state: 'pending' }],
        NOW,
      );
    await enqueue(other.id, 'email');
    await enqueue(incidentId, 'slack');
    await enqueue(incidentId, 'email', ada.id);
    expect(await store.outbox.firstSent(incidentId, grace.id, 'email')).toBeNull();
    await enqueue(incidentId, 'email');
    await enqueue(incidentId, 'email');
    const [failed, root] = (await readDeliveries(db))
      .filter((r) => r.person_id === grace.id && r.channel === 'email')
      .slice(1) // the other incident's
      .map((r) => r.id);
    await db.run(sql`UPDATE deliveries SET state = 'failed' WHERE id = ${failed!}`);
    expect(await store.outbox.firstSent(incidentId, grace.id, 'email')).toBe(root);
    await db.run(sql`UPDATE deliveries SET state = 'undeliverable' WHERE id = ${root!}`);
    expect(await store.outbox.firstSent(incidentId, grace.id, 'email')).toBeNull();
    expect(await store.outbox.firstSent(incidentId, grace.id, 'slack')).toEqual(expect.any(Number));
  });

  it('latestByPerson: the last delivery per person and channel, with its time', async () => {
    const { store, db, incidentId, grace, ada } = await scene();
    const { incident: other } = await store.incidents.create(incidentInput(), NOW);
    const send = (incident: number, at: number, personId: number, channel: 'email' | 'slack') =>
      store.outbox.enqueue(
        incident,
        payload(incident),
        [{ personId, channel, state: 'pending' }],
        at,
      );
    await send(incidentId, NOW, grace.id, 'slack');
    await send(incidentId, NOW + 10, grace.id, 'slack');
    await send(incidentId, NOW + 20, grace.id, 'email');
    await send(incidentId, NOW + 30, ada.id, 'slack');
    await send(other.id, NOW + 40, grace.id, 'slack');
    const rows = await readDeliveries(db);
    const latestGraceSlack = rows[1]!.id;
    const adaSlack = rows[3]!.id;
    await db.run(
      sql`UPDATE deliveries SET state = 'sent', sent_at = ${NOW + 15} WHERE id = ${latestGraceSlack}`,
    );
    await db.run(
      sql`UPDATE deliveries SET state = 'failed', last_error = 'HTTP 403' WHERE id = ${adaSlack}`,
    );

    const latest = await store.outbox.latestByPerson(incidentId);
    const [first, second] = [grace, ada].sort((a, b) => a.id - b.id);
    const expected = [
      { personId: grace.id, channel: 'email', state: 'pending', lastError: null, at: NOW + 20 },
      { personId: grace.id, channel: 'slack', state: 'sent', lastError: null, at: NOW + 15 },
      { personId: ada.id, channel: 'slack', state: 'failed', lastError: 'HTTP 403', at: NOW + 30 },
    ];
    expect(latest).toStrictEqual([
      ...expected.filter((e) => e.personId === first!.id),
      ...expected.filter((e) => e.personId === second!.id),
    ]);
    expect(await store.outbox.latestByPerson(other.id + 100)).toEqual([]);
  });
});

describe.each(STORES)('%s store: audit', (kind) => {
  const h = useStore(kind);

  it('records who did what, to which incident, with the detail as JSON', async () => {
    const { store, db } = h();
    const ada = await store.people.create({ displayName: 'Ada' }, NOW);
    const { incident } = await store.incidents.create(incidentInput(), NOW);
    await store.audit.record(
      {
        actorId: ada.id,
        action: 'incident.resolve',
        incidentId: incident.id,
        detail: { note: 'ok', n: 2 },
      },
      NOW,
    );
    await store.audit.record({ actorId: null, action: 'team.create' }, NOW + 1);
    const rows = await db.all<{
      actor_id: number | null;
      action: string;
      incident_id: number | null;
      detail: string;
      created_at: number;
    }>(sql`SELECT actor_id, action, incident_id, detail, created_at FROM audit_log ORDER BY id`);
    expect(rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as unknown }))).toStrictEqual([
      {
        actor_id: ada.id,
        action: 'incident.resolve',
        incident_id: incident.id,
        detail: { note: 'ok', n: 2 },
        created_at: NOW,
      },
      { actor_id: null, action: 'team.create', incident_id: null, detail: {}, created_at: NOW + 1 },
    ]);
  });
});
