// Seeds outbox rows with plain SQL, so delivery tests do not depend on the repositories or actions.
// Synchronous on the executor's connection: call these between queries, never while a transaction
// of the executor is open (a write here would land inside it).
import type Database from 'better-sqlite3';
import type { Executor } from '../../db/executor.js';
import type { DeliveryRow } from '../../db/rows.js';
import { SqliteExecutor } from '../../db/sqlite-executor.js';

export type { DeliveryRow } from '../../db/rows.js';
import type { Channel, DeliveryState, EventPayload } from '../../src/domain/types.js';

/** The SQLite executor, whose better-sqlite3 connection the fixture writes through. */
type Db = Pick<SqliteExecutor, 'sqlite'>;

/**
 * The better-sqlite3 connection under an executor (a running Herald's `db`), for raw SQL in tests
 * and the demo; throws when the executor is not SQLite's.
 */
export function sqliteOf(db: Executor): Database.Database {
  if (!(db instanceof SqliteExecutor)) throw new Error(`raw SQL needs SQLite, not ${db.dialect}`);
  return db.sqlite;
}

/**
 * Inserts an incident and one notification event about it; returns their ids. With `incidentId`,
 * adds the event to that incident instead of a new one.
 */
export function seedEvent(
  db: Db,
  opts: { now?: number; title?: string; text?: string | null; incidentId?: number } = {},
): { incidentId: number; eventId: number } {
  const now = opts.now ?? 0;
  const title = opts.title ?? 'Checkout is down';
  const incidentId =
    opts.incidentId ??
    Number(
      db.sqlite
        .prepare(
          `INSERT INTO incidents (title, summary, severity, source, created_at)
           VALUES (?, 'Payments fail', 'SEV2', 'slack', ?)`,
        )
        .run(title, now).lastInsertRowid,
    );
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
  const eventId = Number(
    db.sqlite
      .prepare(
        `INSERT INTO notification_events (incident_id, kind, payload, created_at)
         VALUES (?, 'update', ?, ?)`,
      )
      .run(incidentId, JSON.stringify(payload), now).lastInsertRowid,
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
export function seedPerson(db: Db, person: PersonSeed = {}): number {
  return Number(
    db.sqlite
      .prepare(
        `INSERT INTO people (display_name, email, slack_user_id, teams_aad_id, preferences, created_at)
         VALUES (?, ?, ?, ?, ?, 0)`,
      )
      .run(
        person.displayName ?? 'Grace',
        person.email ?? null,
        person.slackUserId ?? null,
        person.teamsAadId ?? null,
        person.preferences ? JSON.stringify(person.preferences) : null,
      ).lastInsertRowid,
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
export function seedDelivery(db: Db, d: DeliverySeed): number {
  return Number(
    db.sqlite
      .prepare(
        `INSERT INTO deliveries (event_id, person_id, channel, state, attempts, next_attempt_at,
           lease_until, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        d.eventId,
        d.personId,
        d.channel,
        d.state ?? 'pending',
        d.attempts ?? 0,
        d.nextAttemptAt ?? 0,
        d.leaseUntil ?? null,
        d.createdAt ?? 0,
      ).lastInsertRowid,
  );
}

/** Seeds `count` people and one pending delivery each for a single event, in one transaction. */
export function seedPendingDeliveries(
  db: Db,
  count: number,
  channel: Channel = 'slack',
  now = 0,
): { eventId: number; deliveryIds: number[] } {
  return db.sqlite.transaction(() => {
    const { eventId } = seedEvent(db, { now });
    const deliveryIds: number[] = [];
    for (let i = 0; i < count; i++) {
      const personId = seedPerson(db, { displayName: `Stakeholder ${i}` });
      deliveryIds.push(seedDelivery(db, { eventId, personId, channel, nextAttemptAt: now }));
    }
    return { eventId, deliveryIds };
  })();
}

export function readDelivery(db: Db, id: number): DeliveryRow {
  const row = db.sqlite.prepare('SELECT * FROM deliveries WHERE id = ?').get(id);
  if (!row) throw new Error(`no delivery ${id}`);
  return row as DeliveryRow;
}

export function readDeliveries(db: Db): DeliveryRow[] {
  return db.sqlite.prepare('SELECT * FROM deliveries ORDER BY id').all() as DeliveryRow[];
}

export function readPerson(
  db: Db,
  id: number,
): { slack_reachable: number; teams_reachable: number } {
  return db.sqlite
    .prepare('SELECT slack_reachable, teams_reachable FROM people WHERE id = ?')
    .get(id) as { slack_reachable: number; teams_reachable: number };
}
