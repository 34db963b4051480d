// Seeds and reads outbox rows with plain SQL on either database (the executor renders `?` or
// `$1`), so queue tests set up exact states without going through the repositories. The async
// counterpart of outbox-fixture.ts, which writes through a SQLite connection synchronously.
import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/executor.js';
import { flag, type DeliveryRow, type Flag } from '../../db/rows.js';
import type { Channel, DeliveryState, EventPayload } from '../../src/domain/types.js';
import type { NewIncident } from '../../src/ports.js';

async function insertedId(db: Executor, query: ReturnType<typeof sql>): Promise<number> {
  const row = await db.get<{ id: number }>(query);
  if (!row) throw new Error('INSERT returned no row');
  return row.id;
}

/**
 * Inserts an incident and one notification event about it; returns their ids. With `incidentId`,
 * adds the event to that incident instead of a new one.
 */
export async function seedEvent(
  db: Executor,
  opts: { now?: number; title?: string; text?: string | null; incidentId?: number } = {},
): Promise<{ incidentId: number; eventId: number }> {
  const now = opts.now ?? 0;
  const title = opts.title ?? 'Checkout is down';
  const incidentId =
    opts.incidentId ??
    (await insertedId(
      db,
      sql`INSERT INTO incidents (title, summary, severity, source, created_at)
          VALUES (${title}, 'Payments fail', 'SEV2', 'slack', ${now}) RETURNING id`,
    ));
  const payload: EventPayload = {
    kind: 'update',
    incident: {
      id: incidentId,
      title,
      summary: 'Payments fail',
      severity: 'SEV2',
      service: 'checkout',
      status: 'open',
    },
    text: opts.text === undefined ? 'Rolling back the deploy.' : opts.text,
    at: now,
    by: 'Ada',
  };
  const eventId = await insertedId(
    db,
    sql`INSERT INTO notification_events (incident_id, kind, payload, created_at)
        VALUES (${incidentId}, 'update', ${JSON.stringify(payload)}, ${now}) RETURNING id`,
  );
  return { incidentId, eventId };
}

export interface PersonSeed {
  displayName?: string;
  email?: string | null;
  slackUserId?: string | null;
  teamsAadId?: string | null;
  preferences?: Channel[] | null;
}

/** Inserts a person; returns the id. */
export function seedPerson(db: Executor, person: PersonSeed = {}): Promise<number> {
  return insertedId(
    db,
    sql`INSERT INTO people (display_name, email, slack_user_id, teams_aad_id, preferences, created_at)
        VALUES (${person.displayName ?? 'Grace'}, ${person.email ?? null},
                ${person.slackUserId ?? null}, ${person.teamsAadId ?? null},
                ${person.preferences ? JSON.stringify(person.preferences) : null}, 0)
        RETURNING id`,
  );
}

export interface DeliverySeed {
  eventId: number;
  personId: number;
  channel: Channel;
  state?: DeliveryState;
  attempts?: number;
  nextAttemptAt?: number;
  leaseUntil?: number | null;
  createdAt?: number;
}

/** Inserts a delivery; returns the id. */
export function seedDelivery(db: Executor, d: DeliverySeed): Promise<number> {
  return insertedId(
    db,
    sql`INSERT INTO deliveries (event_id, person_id, channel, state, attempts, next_attempt_at,
                                lease_until, created_at)
        VALUES (${d.eventId}, ${d.personId}, ${d.channel}, ${d.state ?? 'pending'},
                ${d.attempts ?? 0}, ${d.nextAttemptAt ?? 0}, ${d.leaseUntil ?? null},
                ${d.createdAt ?? 0})
        RETURNING id`,
  );
}

export async function readDelivery(db: Executor, id: number): Promise<DeliveryRow> {
  const row = await db.get<DeliveryRow>(sql`SELECT * FROM deliveries WHERE id = ${id}`);
  if (!row) throw new Error(`no delivery ${id}`);
  return row;
}

export function readDeliveries(db: Executor): Promise<DeliveryRow[]> {
  return db.all<DeliveryRow>(sql`SELECT * FROM deliveries ORDER BY id`);
}

/** A person's reachability flags as booleans (SQLite stores 0/1, PostgreSQL booleans). */
export async function readReachable(
  db: Executor,
  id: number,
): Promise<{ slack: boolean; teams: boolean }> {
  const row = await db.get<{ slack_reachable: Flag; teams_reachable: Flag }>(
    sql`SELECT slack_reachable, teams_reachable FROM people WHERE id = ${id}`,
  );
  if (!row) throw new Error(`no person ${id}`);
  return { slack: flag(row.slack_reachable), teams: flag(row.teams_reachable) };
}

/** The number of rows in `table` (a literal table name from the test). */
export async function countRows(db: Executor, table: string): Promise<number> {
  const row = await db.get<{ n: number | string }>(
    sql`SELECT count(*) AS n FROM ${sql.identifier(table)}`,
  );
  return Number(row?.n ?? 0);
}

/** A new incident's fields, with whatever the test cares about overridden. */
export const incidentInput = (overrides: Partial<NewIncident> = {}): NewIncident => ({
  title: 'Checkout is down',
  summary: 'Payments fail',
  severity: 'SEV2',
  service: 'checkout',
  declaredBy: null,
  source: 'slack',
  externalKey: null,
  ...overrides,
});

/**
 * Seeds `count` people and one pending delivery each for a single event, a few statements in all
 * (a round trip per row adds up on PostgreSQL); returns the delivery ids in order.
 */
export async function seedPendingDeliveries(
  db: Executor,
  count: number,
  channel: Channel = 'slack',
  now = 0,
): Promise<{ eventId: number; deliveryIds: number[] }> {
  const { eventId } = await seedEvent(db, { now });
  const deliveryIds: number[] = [];
  for (let start = 0; start < count; start += 200) {
    const n = Math.min(200, count - start);
    const people = await db.all<{ id: number }>(
      sql`INSERT INTO people (display_name, created_at)
          VALUES ${sql.join(
            Array.from({ length: n }, (_, i) => sql`(${`Stakeholder ${start + i}`}, 0)`),
            sql`, `,
          )}
          RETURNING id`,
    );
    const personIds = people.map((p) => p.id).sort((a, b) => a - b);
    const rows = await db.all<{ id: number }>(
      sql`INSERT INTO deliveries (event_id, person_id, channel, state, next_attempt_at,
                                  created_at)
          VALUES ${sql.join(
            personIds.map(
              (personId) => sql`(${eventId}, ${personId}, ${channel}, 'pending', ${now}, ${now})`,
            ),
            sql`, `,
          )}
          RETURNING id`,
    );
    deliveryIds.push(...rows.map((r) => r.id).sort((a, b) => a - b));
  }
  return { eventId, deliveryIds };
}
