import type { Statement } from 'better-sqlite3';
import type { EventPayload, NotificationEvent } from '../../src/domain/types.js';
import type { NewDelivery, OutboxRepo } from '../../src/ports.js';
import type { Db } from '../client.js';
import { notificationEvents } from '../schema.js';

type LatestRow = {
  personId: number;
  channel: 'slack' | 'teams' | 'email';
  state: 'pending' | 'sending' | 'sent' | 'retrying' | 'failed' | 'undeliverable';
  lastError: string | null;
  at: number;
};

export class SqliteOutboxRepo implements OutboxRepo {
  private readonly insertDelivery: Statement<{
    event: number;
    person: number;
    channel: string;
    key: string;
    state: string;
    error: string | null;
    now: number;
  }>;
  private readonly latest: Statement<{ incident: number }, LatestRow>;
  private readonly first: Statement<
    { incident: number; person: number; channel: string },
    { id: number }
  >;

  constructor(private readonly db: Db) {
    // A prepared statement, not the query builder: a SEV1 fan-out writes thousands of rows here.
    this.insertDelivery = db.$client.prepare(
      `INSERT INTO deliveries (event_id, person_id, channel, idempotency_key, state, last_error, next_attempt_at, created_at)
       VALUES (@event, @person, @channel, @key, @state, @error, @now, @now)
       ON CONFLICT (idempotency_key) DO NOTHING`,
    );
    this.first = db.$client.prepare(
      `SELECT d.id FROM deliveries d JOIN notification_events e ON e.id = d.event_id
        WHERE e.incident_id = @incident AND d.person_id = @person AND d.channel = @channel
          AND d.state NOT IN ('failed', 'undeliverable')
        ORDER BY d.id LIMIT 1`,
    );
    this.latest = db.$client.prepare(
      `SELECT d.person_id AS personId, d.channel, d.state, d.last_error AS lastError,
              coalesce(d.sent_at, d.created_at) AS at
         FROM deliveries d
        WHERE d.id IN (SELECT max(d2.id) FROM deliveries d2
                         JOIN notification_events e ON e.id = d2.event_id
                        WHERE e.incident_id = @incident
                        GROUP BY d2.person_id, d2.channel)
        ORDER BY d.person_id, d.channel`,
    );
  }

  enqueue(
    incidentId: number,
    payload: EventPayload,
    deliveries: readonly NewDelivery[],
    now: number,
  ): { event: NotificationEvent; queued: number } {
    const row = this.db
      .insert(notificationEvents)
      .values({ incidentId, kind: payload.kind, payload: JSON.stringify(payload), createdAt: now })
      .returning()
      .get();
    let queued = 0;
    for (const d of deliveries) {
      const res = this.insertDelivery.run({
        event: row.id,
        person: d.personId,
        channel: d.channel,
        key: `${row.id}:${d.personId}:${d.channel}`,
        state: d.state,
        error: d.lastError ?? null,
        now,
      });
      if (d.state === 'pending') queued += res.changes;
    }
    return {
      event: { id: row.id, incidentId, kind: row.kind, payload, createdAt: row.createdAt },
      queued,
    };
  }

  firstSent(incidentId: number, personId: number, channel: string): number | null {
    return this.first.get({ incident: incidentId, person: personId, channel })?.id ?? null;
  }

  latestByPerson(incidentId: number): LatestRow[] {
    return this.latest.all({ incident: incidentId });
  }
}
