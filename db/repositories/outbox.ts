import { sql } from 'drizzle-orm';
import type { Channel, Delivery, EventPayload, NotificationEvent } from '../../src/domain/types.js';
import type { NewDelivery, OutboxRepo } from '../../src/ports.js';
import type { Executor } from '../executor.js';
import { inChunks } from './chunks.js';

type Latest = Pick<Delivery, 'personId' | 'channel' | 'state' | 'lastError'> & { at: number };

/**
 * The idempotency key of one delivery: an event reaches a person on a channel once. The database
 * holds it as its three columns, unique together (`deliveries_idempotency`); this is its text form
 * for the domain's `Delivery`.
 */
export const deliveryKey = (eventId: number, personId: number, channel: Channel): string =>
  `${eventId}:${personId}:${channel}`;

/** The first delivery planned for each person and channel; later ones repeat it. */
function oncePerPersonAndChannel(deliveries: readonly NewDelivery[]): NewDelivery[] {
  const seen = new Set<string>();
  return deliveries.filter((d) => {
    const key = `${d.personId}:${d.channel}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export class SqlOutboxRepo implements OutboxRepo {
  constructor(private readonly db: Executor) {}

  /**
   * The event is new, written here in the caller's transaction, so no other row can hold its key:
   * repeats within `deliveries` are the only duplicates there can be, and they are dropped before
   * the write (the first one stays, as ON CONFLICT DO NOTHING kept it). The INSERT then needs no
   * conflict arbiter and no RETURNING; the unique index still refuses a duplicate outright.
   */
  async enqueue(
    incidentId: number,
    payload: EventPayload,
    deliveries: readonly NewDelivery[],
    now: number,
  ): Promise<{ event: NotificationEvent; queued: number }> {
    const event = await this.db.get<{ id: number }>(
      sql`INSERT INTO notification_events (incident_id, kind, payload, created_at)
          VALUES (${incidentId}, ${payload.kind}, ${JSON.stringify(payload)}, ${now})
          RETURNING id`,
    );
    if (!event) throw new Error('notification_events: INSERT returned no row');
    const once = oncePerPersonAndChannel(deliveries);
    if (once.length > 0) {
      if (this.db.dialect === 'postgres') await this.insertAsArrays(event.id, once, now);
      else await this.insertAsRows(event.id, once, now);
    }
    return {
      event: { id: event.id, incidentId, kind: payload.kind, payload, createdAt: now },
      queued: once.filter((d) => d.state === 'pending').length,
    };
  }

  /**
   * SQLite: many rows per statement (its parameter cap allows 400 rows of 7), a few statements for
   * a SEV1 fan-out instead of one per delivery.
   */
  private async insertAsRows(
    eventId: number,
    deliveries: readonly NewDelivery[],
    now: number,
  ): Promise<void> {
    await inChunks(
      deliveries,
      async (chunk) => {
        await this.db.run(
          sql`INSERT INTO deliveries (event_id, person_id, channel, state, last_error,
                                      next_attempt_at, created_at)
              VALUES ${sql.join(
                chunk.map(
                  (d) =>
                    sql`(${eventId}, ${d.personId}, ${d.channel}, ${d.state},
                         ${d.lastError ?? null}, ${now}, ${now})`,
                ),
                sql`, `,
              )}`,
        );
        return [];
      },
      400,
    );
  }

  /**
   * PostgreSQL: the whole fan-out in one statement, its columns sent as four arrays and unnested
   * by the server — one round trip and one plan, where rows of bound parameters took 25 statements
   * and most of the write's time rendering and binding 80,000 parameters.
   */
  private async insertAsArrays(
    eventId: number,
    deliveries: readonly NewDelivery[],
    now: number,
  ): Promise<void> {
    await this.db.run(
      sql`INSERT INTO deliveries (event_id, person_id, channel, state, last_error,
                                  next_attempt_at, created_at)
          SELECT ${eventId}::integer, d.person_id, d.channel, d.state, d.last_error,
                 ${now}::bigint, ${now}::bigint
            FROM unnest(${sql.param(deliveries.map((d) => d.personId))}::integer[],
                        ${sql.param(deliveries.map((d) => d.channel))}::text[],
                        ${sql.param(deliveries.map((d) => d.state))}::text[],
                        ${sql.param(deliveries.map((d) => d.lastError ?? null))}::text[])
                 AS d(person_id, channel, state, last_error)`,
    );
  }

  async firstSent(incidentId: number, personId: number, channel: Channel): Promise<number | null> {
    const row = await this.db.get<{ id: number }>(
      sql`SELECT d.id FROM deliveries d JOIN notification_events e ON e.id = d.event_id
           WHERE e.incident_id = ${incidentId} AND d.person_id = ${personId}
             AND d.channel = ${channel} AND d.state NOT IN ('failed', 'undeliverable')
           ORDER BY d.id LIMIT 1`,
    );
    return row?.id ?? null;
  }

  async latestByPerson(incidentId: number): Promise<Latest[]> {
    const rows = await this.db.all<{
      person_id: number;
      channel: Channel;
      state: Delivery['state'];
      last_error: string | null;
      at: number;
    }>(
      sql`SELECT d.person_id, d.channel, d.state, d.last_error,
                 coalesce(d.sent_at, d.created_at) AS at
            FROM deliveries d
           WHERE d.id IN (SELECT max(d2.id) FROM deliveries d2
                            JOIN notification_events e ON e.id = d2.event_id
                           WHERE e.incident_id = ${incidentId}
                           GROUP BY d2.person_id, d2.channel)
           ORDER BY d.person_id, d.channel`,
    );
    return rows.map((r) => ({
      personId: r.person_id,
      channel: r.channel,
      state: r.state,
      lastError: r.last_error,
      at: Number(r.at),
    }));
  }
}
