import type { DeliveryJob, DeliveryQueue } from '../src/delivery/ports.js';
import { parsePreferences } from './repositories/people.js';
import {
  DELIVERY_STATES,
  type Channel,
  type Delivery,
  type DeliveryState,
  type EventKind,
  type EventPayload,
  type NotificationEvent,
  type Person,
  type Role,
} from '../src/domain/types.js';
import type { Db } from './client.js';

interface DeliveryRow {
  id: number;
  event_id: number;
  person_id: number;
  channel: Channel;
  idempotency_key: string;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_error: string | null;
  fallback_of: number | null;
  sent_at: number | null;
  created_at: number;
}

interface PersonRow {
  id: number;
  display_name: string;
  email: string | null;
  slack_user_id: string | null;
  teams_aad_id: string | null;
  teams_conversation_ref: string | null;
  slack_reachable: number;
  teams_reachable: number;
  role: Role;
  preferences: string | null;
}

interface EventRow {
  id: number;
  incident_id: number;
  kind: EventKind;
  payload: string;
  created_at: number;
}

/**
 * One channel's due rows, earliest first: waiting rows whose time has come, or claims whose lease
 * ran out (their worker died or hung; a `sending` row without a lease cannot belong to a live
 * worker). One index range per state, merged in index order so the LIMIT stops the scan: a single
 * WHERE with an OR across the states (or the same UNION ALL inside a subquery) makes SQLite collect
 * and sort every due row first, O(backlog) per claim.
 */
export const DUE_IDS = `SELECT id, next_attempt_at FROM deliveries
       WHERE state = 'pending' AND channel = @channel AND next_attempt_at <= @now
      UNION ALL
      SELECT id, next_attempt_at FROM deliveries
       WHERE state = 'retrying' AND channel = @channel AND next_attempt_at <= @now
      UNION ALL
      SELECT id, next_attempt_at FROM deliveries
       WHERE state = 'sending' AND channel = @channel AND (lease_until IS NULL OR lease_until <= @now)
      ORDER BY next_attempt_at, id LIMIT @limit`;

/** The earliest due time: an index minimum per state instead of a scan of the backlog. */
const NEXT_DUE_AT = `SELECT min(at) AS at FROM (
      SELECT min(next_attempt_at) AS at FROM deliveries WHERE state = 'pending' AND channel = @channel
      UNION ALL
      SELECT min(next_attempt_at) FROM deliveries WHERE state = 'retrying' AND channel = @channel
      UNION ALL
      SELECT min(coalesce(lease_until, 0)) FROM deliveries WHERE state = 'sending' AND channel = @channel
    )`;

const EVENT_CACHE_SIZE = 64;

type FinishOutcome = Parameters<DeliveryQueue['finish']>[1];

/** Every statement the queue runs, prepared once. */
function prepareStatements(sqlite: Db['$client']) {
  return {
    dueIds: sqlite.prepare<{ now: number; limit: number; channel: Channel }, { id: number }>(
      DUE_IDS,
    ),
    claim: sqlite.prepare<{ id: number; lease: number }, DeliveryRow>(
      `UPDATE deliveries SET state = 'sending', lease_until = @lease, attempts = attempts + 1
       WHERE id = @id RETURNING *`,
    ),
    deliveryById: sqlite.prepare<[number], DeliveryRow>('SELECT * FROM deliveries WHERE id = ?'),
    personById: sqlite.prepare<[number], PersonRow>('SELECT * FROM people WHERE id = ?'),
    eventById: sqlite.prepare<[number], EventRow>('SELECT * FROM notification_events WHERE id = ?'),
    markSent: sqlite.prepare<{ id: number; now: number }>(
      `UPDATE deliveries SET state = 'sent', sent_at = @now, lease_until = NULL, last_error = NULL
       WHERE id = @id`,
    ),
    release: sqlite.prepare<[number]>(
      `UPDATE deliveries SET state = CASE WHEN attempts > 1 THEN 'retrying' ELSE 'pending' END,
         attempts = attempts - 1, lease_until = NULL
       WHERE id = ? AND state = 'sending'`,
    ),
    scheduleRetry: sqlite.prepare<{ id: number; at: number; error: string }>(
      `UPDATE deliveries SET state = 'retrying', next_attempt_at = @at, lease_until = NULL,
         last_error = @error
       WHERE id = @id AND state <> 'sent'`,
    ),
    end: sqlite.prepare<{ id: number; state: DeliveryState; error: string }>(
      `UPDATE deliveries SET state = @state, lease_until = NULL, last_error = @error
       WHERE id = @id AND state <> 'sent'`,
    ),
    emailDelivery: sqlite.prepare<[number, number], { id: number }>(
      `SELECT id FROM deliveries WHERE event_id = ? AND person_id = ? AND channel = 'email'`,
    ),
    insertFallback: sqlite.prepare<
      { eventId: number; personId: number; key: string; fallbackOf: number; now: number },
      { id: number }
    >(
      `INSERT INTO deliveries
         (event_id, person_id, channel, idempotency_key, state, attempts, next_attempt_at,
          fallback_of, created_at)
       VALUES (@eventId, @personId, 'email', @key, 'pending', 0, @now, @fallbackOf, @now)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING id`,
    ),
    slackUnreachable: sqlite.prepare<[number]>(
      'UPDATE people SET slack_reachable = 0 WHERE id = ?',
    ),
    teamsUnreachable: sqlite.prepare<[number]>(
      'UPDATE people SET teams_reachable = 0 WHERE id = ?',
    ),
    nextDueAt: sqlite.prepare<{ channel: Channel }, { at: number | null }>(NEXT_DUE_AT),
    counts: sqlite.prepare<[], { state: DeliveryState; n: number }>(
      'SELECT state, count(*) AS n FROM deliveries GROUP BY state',
    ),
  };
}

/**
 * The outbox on SQLite. Statements are prepared once; claiming and finishing run in IMMEDIATE
 * transactions, so two worker processes on one file never claim the same row.
 *
 * Settling (`scheduleRetry`, `finish`) never touches a row already `sent`: when a lease ran out and
 * another worker delivered the message meanwhile, the late loser must not undo that.
 */
export class SqliteDeliveryQueue implements DeliveryQueue {
  private readonly sql: ReturnType<typeof prepareStatements>;
  private readonly claimTx;
  /**
   * Recently claimed events, parsed. An event never changes once written, and a fan-out claims
   * thousands of deliveries of the same few events, a few at a time.
   */
  private readonly events = new Map<number, NotificationEvent>();
  private readonly finishTx;

  constructor(db: Db) {
    const sqlite = db.$client;
    this.sql = prepareStatements(sqlite);
    this.claimTx = sqlite.transaction(
      (channel: Channel, now: number, limit: number, leaseMs: number) =>
        this.claimInTx(channel, now, limit, leaseMs),
    );
    this.finishTx = sqlite.transaction((id: number, outcome: FinishOutcome) =>
      this.finishInTx(id, outcome),
    );
  }

  claimDue(channel: Channel, now: number, limit: number, leaseMs: number): DeliveryJob[] {
    if (limit <= 0) return [];
    return this.claimTx.immediate(channel, now, limit, leaseMs);
  }

  markSent(id: number, now: number): void {
    this.sql.markSent.run({ id, now });
  }

  release(id: number): void {
    this.sql.release.run(id);
  }

  scheduleRetry(id: number, at: number, error: string): void {
    this.sql.scheduleRetry.run({ id, at, error });
  }

  finish(id: number, outcome: FinishOutcome): number | null {
    return this.finishTx.immediate(id, outcome);
  }

  markUnreachable(personId: number, channel: Channel): void {
    // Email has no reachability flag: a bounced address is simply a failed delivery.
    if (channel === 'slack') this.sql.slackUnreachable.run(personId);
    if (channel === 'teams') this.sql.teamsUnreachable.run(personId);
  }

  nextDueAt(channel: Channel): number | null {
    return this.sql.nextDueAt.get({ channel })?.at ?? null;
  }

  counts(): Record<DeliveryState, number> {
    const counts = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as Record<
      DeliveryState,
      number
    >;
    for (const { state, n } of this.sql.counts.all()) counts[state] = n;
    return counts;
  }

  private claimInTx(channel: Channel, now: number, limit: number, leaseMs: number): DeliveryJob[] {
    const persons = new Map<number, Person>();
    const jobs: DeliveryJob[] = [];
    for (const { id } of this.sql.dueIds.all({ channel, now, limit })) {
      const row = this.sql.claim.get({ id, lease: now + leaseMs });
      if (!row) continue;
      try {
        // Events are parsed once and kept (`event()`): a fan-out claims thousands of one event.
        const person = cached(persons, row.person_id, (pid) => this.loadPerson(pid));
        const event = this.event(row.event_id);
        jobs.push({ delivery: toDelivery(row), person, event });
      } catch (err) {
        // A row that cannot be read (corrupt payload) would otherwise be claimed forever.
        const error = `cannot load delivery: ${err instanceof Error ? err.message : String(err)}`;
        this.sql.end.run({ id, state: 'failed', error });
      }
    }
    return jobs;
  }

  private finishInTx(id: number, outcome: FinishOutcome): number | null {
    const row = this.sql.deliveryById.get(id);
    if (!row || row.state === 'sent') return null;
    if (!outcome.fallbackToEmail || row.channel === 'email') {
      this.sql.end.run({ id, state: outcome.state, error: outcome.error });
      return null;
    }
    const person = this.sql.personById.get(row.person_id);
    if (!person?.email) {
      this.sql.end.run({ id, state: 'undeliverable', error: outcome.error });
      return null;
    }
    // The person may already get this event by email (chosen channel, or an earlier fallback).
    const fallback = this.sql.emailDelivery.get(row.event_id, row.person_id)
      ? undefined
      : this.sql.insertFallback.get({
          eventId: row.event_id,
          personId: row.person_id,
          key: `${row.event_id}:${row.person_id}:email`,
          fallbackOf: id,
          now: outcome.now,
        });
    this.sql.end.run({ id, state: 'failed', error: outcome.error });
    return fallback?.id ?? null;
  }

  private loadPerson(id: number): Person {
    const row = this.sql.personById.get(id);
    if (!row) throw new Error(`missing person ${id}`);
    return toPerson(row);
  }

  private event(id: number): NotificationEvent {
    let event = this.events.get(id);
    if (event) {
      // Least recently used goes first: re-inserting moves this one to the end.
      this.events.delete(id);
      this.events.set(id, event);
      return event;
    }
    event = this.loadEvent(id);
    if (this.events.size >= EVENT_CACHE_SIZE) {
      // A Map iterates in insertion order: the first key is the least recently used.
      this.events.delete(this.events.keys().next().value!);
    }
    this.events.set(id, event);
    return event;
  }

  private loadEvent(id: number): NotificationEvent {
    const row = this.sql.eventById.get(id);
    if (!row) throw new Error(`missing event ${id}`);
    return {
      id: row.id,
      incidentId: row.incident_id,
      kind: row.kind,
      payload: JSON.parse(row.payload) as EventPayload,
      createdAt: row.created_at,
    };
  }
}

function cached<K, V>(map: Map<K, V>, key: K, load: (key: K) => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = load(key);
    map.set(key, value);
  }
  return value;
}

function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    eventId: row.event_id,
    personId: row.person_id,
    channel: row.channel,
    idempotencyKey: row.idempotency_key,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    leaseUntil: row.lease_until,
    lastError: row.last_error,
    fallbackOf: row.fallback_of,
    sentAt: row.sent_at,
    createdAt: row.created_at,
  };
}

function toPerson(row: PersonRow): Person {
  return {
    id: row.id,
    displayName: row.display_name,
    email: row.email,
    slackUserId: row.slack_user_id,
    teamsAadId: row.teams_aad_id,
    teamsConversationRef: row.teams_conversation_ref,
    slackReachable: row.slack_reachable !== 0,
    teamsReachable: row.teams_reachable !== 0,
    role: row.role,
    preferences: parsePreferences(row.preferences),
  };
}
