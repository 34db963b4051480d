import { sql, type SQL } from 'drizzle-orm';
import type { DeliveryJob, DeliveryQueue } from '../src/delivery/ports.js';
import {
  DELIVERY_STATES,
  type Channel,
  type DeliveryState,
  type NotificationEvent,
  type Person,
} from '../src/domain/types.js';
import type { Executor } from './executor.js';
import { inChunks } from './repositories/chunks.js';
import { SqlOutboxRepo, deliveryKey } from './repositories/outbox.js';
import { SqlPeopleRepo } from './repositories/people.js';
import { toDelivery, toEvent, type DeliveryRow, type EventRow } from './rows.js';

/**
 * One channel's due rows, earliest first: waiting rows whose time has come, or claims whose lease
 * ran out (their worker died or hung; a `sending` row without a lease cannot belong to a live
 * worker).
 *
 * SQLite: one index range per state, merged in index order so the LIMIT stops the scan (a single
 * WHERE with an OR across the states makes SQLite collect and sort every due row first). The
 * caller holds an IMMEDIATE transaction, so no other process claims between this and the UPDATE.
 *
 * PostgreSQL: `FOR UPDATE SKIP LOCKED` (which a UNION cannot carry) lets replicas claim side by
 * side without waiting for, or taking, each other's rows.
 */
function dueIds(dialect: Executor['dialect'], channel: Channel, now: number, limit: number): SQL {
  if (dialect === 'sqlite') {
    return sql`SELECT id, next_attempt_at FROM deliveries
                WHERE state = 'pending' AND channel = ${channel} AND next_attempt_at <= ${now}
               UNION ALL
               SELECT id, next_attempt_at FROM deliveries
                WHERE state = 'retrying' AND channel = ${channel} AND next_attempt_at <= ${now}
               UNION ALL
               SELECT id, next_attempt_at FROM deliveries
                WHERE state = 'sending' AND channel = ${channel}
                  AND (lease_until IS NULL OR lease_until <= ${now})
               ORDER BY next_attempt_at, id LIMIT ${limit}`;
  }
  return sql`SELECT id FROM deliveries
              WHERE channel = ${channel}
                AND ((state IN ('pending', 'retrying') AND next_attempt_at <= ${now})
                  OR (state = 'sending' AND (lease_until IS NULL OR lease_until <= ${now})))
              ORDER BY next_attempt_at, id LIMIT ${limit}
              FOR UPDATE SKIP LOCKED`;
}

/** The earliest due time: an index minimum per state instead of a scan of the backlog. */
const nextDue = (channel: Channel) => sql`SELECT min(at) AS at FROM (
      SELECT min(next_attempt_at) AS at FROM deliveries WHERE state = 'pending' AND channel = ${channel}
      UNION ALL
      SELECT min(next_attempt_at) FROM deliveries WHERE state = 'retrying' AND channel = ${channel}
      UNION ALL
      SELECT min(coalesce(lease_until, 0)) FROM deliveries WHERE state = 'sending' AND channel = ${channel}
    ) due`;

const EVENT_CACHE_SIZE = 64;

/** The notification channel that says "deliveries were enqueued". */
const OUTBOX_CHANNEL = 'herald_outbox';

type FinishOutcome = Parameters<DeliveryQueue['finish']>[1];

/**
 * The outbox on either database. Claims are atomic (an IMMEDIATE transaction on SQLite,
 * `SKIP LOCKED` on PostgreSQL), so two workers — two processes on one SQLite file, or replicas
 * on one PostgreSQL — never claim the same row.
 *
 * Settling (`scheduleRetry`, `finish`) never touches a row already `sent`: when a lease ran out and
 * another worker delivered the message meanwhile, the late loser must not undo that.
 */
export class SqlDeliveryQueue implements DeliveryQueue {
  private readonly people: SqlPeopleRepo;
  private readonly outbox: SqlOutboxRepo;
  /**
   * Recently claimed events, parsed. An event never changes once written, and a fan-out claims
   * thousands of deliveries of the same few events, a few at a time.
   */
  private readonly events = new Map<number, NotificationEvent>();
  /** Sends settled as `sent` in this event-loop turn, written together at the end of it. */
  private sent: { ids: number[]; at: number; written: Promise<void> } | null = null;

  constructor(private readonly db: Executor) {
    this.people = new SqlPeopleRepo(db);
    this.outbox = new SqlOutboxRepo(db);
  }

  async claimDue(
    channel: Channel,
    now: number,
    limit: number,
    leaseMs: number,
  ): Promise<DeliveryJob[]> {
    if (limit <= 0) return [];
    const claim = async () => {
      const ids = (
        await this.db.all<{ id: number }>(dueIds(this.db.dialect, channel, now, limit))
      ).map((r) => r.id);
      if (ids.length === 0) return [];
      return this.db.all<DeliveryRow>(
        sql`UPDATE deliveries SET state = 'sending', lease_until = ${now + leaseMs},
                                  attempts = attempts + 1
             WHERE id IN ${ids} RETURNING *`,
      );
    };
    const rows = (await this.db.transaction(claim)).sort(
      (a, b) => a.next_attempt_at - b.next_attempt_at || a.id - b.id,
    );
    return this.jobs(rows);
  }

  /**
   * Sends that finish within one event-loop turn are marked in one statement at its end: a commit
   * each costs more than the send's own work. Resolves once written; `sent_at` is the latest
   * `now` of the batch.
   */
  markSent(id: number, now: number): Promise<void> {
    if (!this.sent) {
      const batch = { ids: [] as number[], at: now, written: Promise.resolve() };
      batch.written = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.sent = null;
        return this.writeSent(batch.ids, batch.at);
      });
      this.sent = batch;
    }
    this.sent.ids.push(id);
    this.sent.at = Math.max(this.sent.at, now);
    return this.sent.written;
  }

  private async writeSent(ids: readonly number[], at: number): Promise<void> {
    await inChunks(ids, async (chunk) => {
      await this.db.run(
        sql`UPDATE deliveries SET state = 'sent', sent_at = ${at}, lease_until = NULL,
                                  last_error = NULL
             WHERE id IN ${chunk}`,
      );
      return [];
    });
  }

  async renew(ids: readonly number[], leaseUntil: number): Promise<void> {
    await inChunks(ids, async (chunk) => {
      await this.db.run(
        sql`UPDATE deliveries SET lease_until = ${leaseUntil}
             WHERE id IN ${chunk} AND state = 'sending'`,
      );
      return [];
    });
  }

  announce(): Promise<void> {
    return this.db.notify(OUTBOX_CHANNEL);
  }

  listen(onAnnounce: () => void): Promise<() => Promise<void>> {
    return this.db.listen(OUTBOX_CHANNEL, onAnnounce);
  }

  async release(id: number): Promise<void> {
    await this.db.run(
      sql`UPDATE deliveries SET state = CASE WHEN attempts > 1 THEN 'retrying' ELSE 'pending' END,
                                attempts = attempts - 1, lease_until = NULL
           WHERE id = ${id} AND state = 'sending'`,
    );
  }

  async scheduleRetry(id: number, at: number, error: string): Promise<void> {
    await this.db.run(
      sql`UPDATE deliveries SET state = 'retrying', next_attempt_at = ${at}, lease_until = NULL,
                                last_error = ${error}
           WHERE id = ${id} AND state <> 'sent'`,
    );
  }

  finish(id: number, outcome: FinishOutcome): Promise<number | null> {
    return this.db.transaction(() => this.finishInTx(id, outcome));
  }

  async markUnreachable(personId: number, channel: Channel): Promise<void> {
    // Email has no reachability flag: a bounced address is simply a failed delivery.
    if (channel === 'slack') await this.people.update(personId, { slackReachable: false });
    if (channel === 'teams') await this.people.update(personId, { teamsReachable: false });
  }

  async nextDueAt(channel: Channel): Promise<number | null> {
    const row = await this.db.get<{ at: number | null }>(nextDue(channel));
    return row?.at === null || row?.at === undefined ? null : Number(row.at);
  }

  async counts(): Promise<Record<DeliveryState, number>> {
    const counts = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as Record<
      DeliveryState,
      number
    >;
    const rows = await this.db.all<{ state: DeliveryState; n: number }>(
      sql`SELECT state, count(*) AS n FROM deliveries GROUP BY state`,
    );
    for (const { state, n } of rows) counts[state] = Number(n);
    return counts;
  }

  /** Claimed rows with their people, events and, for email, the thread each mail belongs to. */
  private async jobs(rows: readonly DeliveryRow[]): Promise<DeliveryJob[]> {
    if (rows.length === 0) return [];
    const people = new Map<number, Person>(
      (await this.people.byIds([...new Set(rows.map((r) => r.person_id))])).map((p) => [p.id, p]),
    );
    const jobs: DeliveryJob[] = [];
    for (const row of rows) {
      try {
        const person = people.get(row.person_id);
        if (!person) throw new Error(`missing person ${row.person_id}`);
        const event = await this.event(row.event_id);
        const threadRootId =
          row.channel === 'email'
            ? await this.outbox.firstSent(event.incidentId, person.id, 'email')
            : null;
        jobs.push({ delivery: toDelivery(row), person, event, threadRootId });
      } catch (err) {
        // A row that cannot be read (corrupt payload) would otherwise be claimed forever.
        const error = `cannot load delivery: ${err instanceof Error ? err.message : String(err)}`;
        await this.db.run(
          sql`UPDATE deliveries SET state = 'failed', lease_until = NULL, last_error = ${error}
               WHERE id = ${row.id} AND state <> 'sent'`,
        );
      }
    }
    return jobs;
  }

  private async finishInTx(id: number, outcome: FinishOutcome): Promise<number | null> {
    const end = (state: DeliveryState) =>
      this.db.run(
        sql`UPDATE deliveries SET state = ${state}, lease_until = NULL, last_error = ${outcome.error}
             WHERE id = ${id} AND state <> 'sent'`,
      );
    const row = await this.db.get<DeliveryRow>(sql`SELECT * FROM deliveries WHERE id = ${id}`);
    if (!row || row.state === 'sent') return null;
    if (!outcome.fallbackToEmail || row.channel === 'email') {
      await end(outcome.state);
      return null;
    }
    const person = await this.people.byId(row.person_id);
    if (!person?.email) {
      await end('undeliverable');
      return null;
    }
    // The person may already get this event by email (chosen channel, or an earlier fallback).
    const emailed = await this.db.get<{ id: number }>(
      sql`SELECT id FROM deliveries
           WHERE event_id = ${row.event_id} AND person_id = ${row.person_id} AND channel = 'email'`,
    );
    const fallback = emailed
      ? undefined
      : await this.db.get<{ id: number }>(
          sql`INSERT INTO deliveries (event_id, person_id, channel, idempotency_key, state,
                                      attempts, next_attempt_at, fallback_of, created_at)
              VALUES (${row.event_id}, ${row.person_id}, 'email',
                      ${deliveryKey(row.event_id, row.person_id, 'email')}, 'pending', 0,
                      ${outcome.now}, ${id}, ${outcome.now})
              ON CONFLICT (idempotency_key) DO NOTHING
              RETURNING id`,
        );
    await end('failed');
    return fallback?.id ?? null;
  }

  private async event(id: number): Promise<NotificationEvent> {
    let event = this.events.get(id);
    if (event) {
      // Least recently used goes first: re-inserting moves this one to the end.
      this.events.delete(id);
      this.events.set(id, event);
      return event;
    }
    const row = await this.db.get<EventRow>(
      sql`SELECT * FROM notification_events WHERE id = ${id}`,
    );
    if (!row) throw new Error(`missing event ${id}`);
    event = toEvent(row);
    if (this.events.size >= EVENT_CACHE_SIZE) {
      // A Map iterates in insertion order: the first key is the least recently used.
      this.events.delete(this.events.keys().next().value!);
    }
    this.events.set(id, event);
    return event;
  }
}
