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

const threadKey = (incidentId: number, personId: number): string => `${incidentId}:${personId}`;

/** The notification channel that says "deliveries were enqueued". */
const OUTBOX_CHANNEL = 'herald_outbox';

type FinishOutcome = Parameters<DeliveryQueue['finish']>[1];

export interface DeliveryQueueOptions {
  /**
   * How long the first `markSent` of a batch waits for others to join it. Default on SQLite
   * 100 ms: paced sends finish a few milliseconds apart, and a commit of the one writer (its WAL
   * frames, and the checkpoints they bring) costs more than several sends' own work; a batch of
   * about 15 costs a fifth of the commits of 20 ms. On PostgreSQL 0 (one event-loop turn): a
   * statement there is a round trip that blocks nothing, and the replica outage test saw Teams
   * 429s with a window (cause not yet understood).
   */
  sentBatchMs?: number;
}

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
  /**
   * Recently claimed events, parsed. An event never changes once written, and a fan-out claims
   * thousands of deliveries of the same few events, a few at a time.
   */
  private readonly events = new Map<number, NotificationEvent>();
  /** Sends settled as `sent` within the batch window, written together at its end. */
  private sent: { ids: number[]; at: number; written: Promise<void>; close: () => void } | null =
    null;
  private readonly sentBatchMs: number;
  /**
   * Claims this queue handed out that are not settled yet: while one may still join a `sent`
   * batch, the batch waits for it (up to `sentBatchMs`); once none can, it is written at once.
   */
  private readonly unsettled = new Set<number>();

  constructor(
    private readonly db: Executor,
    options: DeliveryQueueOptions = {},
  ) {
    this.people = new SqlPeopleRepo(db);
    this.sentBatchMs = options.sentBatchMs ?? (db.dialect === 'sqlite' ? 100 : 0);
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
    const jobs = await this.jobs(rows);
    for (const job of jobs) this.unsettled.add(job.delivery.id);
    return jobs;
  }

  /**
   * Sends that finish within `sentBatchMs` of each other are marked in one statement: a commit
   * each costs more than the send's own work (paced sends finish a few milliseconds apart, so one
   * event-loop turn rarely holds two). The batch is written at the end of the turn in which no
   * claim of this queue is left unsettled, or when the window ends. Resolves once written — the
   * worker holds the send's slot, and renews its lease, until then; `sent_at` is the latest `now`
   * of the batch.
   */
  markSent(id: number, now: number): Promise<void> {
    if (!this.sent) {
      let timer: NodeJS.Timeout | undefined;
      let end!: () => void;
      const window = new Promise<void>((resolve) => {
        end = resolve;
        if (this.sentBatchMs > 0) timer = setTimeout(resolve, this.sentBatchMs);
      });
      const batch = {
        ids: [] as number[],
        at: now,
        written: Promise.resolve(),
        close: () => {
          clearTimeout(timer);
          setImmediate(end);
        },
      };
      batch.written = window.then(() => {
        this.sent = null;
        return this.writeSent(batch.ids, batch.at);
      });
      this.sent = batch;
      if (this.sentBatchMs <= 0) batch.close();
    }
    const batch = this.sent;
    batch.ids.push(id);
    batch.at = Math.max(batch.at, now);
    this.settled(id);
    return batch.written;
  }

  /** `id` will not join a `sent` batch: when no claim is left that could, the batch goes now. */
  private settled(id: number): void {
    this.unsettled.delete(id);
    if (this.unsettled.size === 0) this.sent?.close();
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
    this.settled(id);
    await this.db.run(
      sql`UPDATE deliveries SET state = CASE WHEN attempts > 1 THEN 'retrying' ELSE 'pending' END,
                                attempts = attempts - 1, lease_until = NULL
           WHERE id = ${id} AND state = 'sending'`,
    );
  }

  async scheduleRetry(id: number, at: number, error: string): Promise<void> {
    this.settled(id);
    await this.db.run(
      sql`UPDATE deliveries SET state = 'retrying', next_attempt_at = ${at}, lease_until = NULL,
                                last_error = ${error}
           WHERE id = ${id} AND state <> 'sent'`,
    );
  }

  finish(id: number, outcome: FinishOutcome): Promise<number | null> {
    this.settled(id);
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
    const loaded: Array<Omit<DeliveryJob, 'threadRootId'> & { row: DeliveryRow }> = [];
    for (const row of rows) {
      try {
        const person = people.get(row.person_id);
        if (!person) throw new Error(`missing person ${row.person_id}`);
        loaded.push({
          row,
          delivery: toDelivery(row),
          person,
          event: await this.event(row.event_id),
        });
      } catch (err) {
        // A row that cannot be read (corrupt payload) would otherwise be claimed forever.
        const error = `cannot load delivery: ${err instanceof Error ? err.message : String(err)}`;
        await this.db.run(
          sql`UPDATE deliveries SET state = 'failed', lease_until = NULL, last_error = ${error}
               WHERE id = ${row.id} AND state <> 'sent'`,
        );
      }
    }
    const roots = await this.threadRoots(
      loaded.filter((j) => j.row.channel === 'email').map((j) => [j.event.incidentId, j.person.id]),
    );
    return loaded.map(({ row, ...job }) => ({
      ...job,
      threadRootId:
        row.channel === 'email'
          ? (roots.get(threadKey(job.event.incidentId, job.person.id)) ?? null)
          : null,
    }));
  }

  /**
   * The first email (not failed) to each person about each incident, which later mails reply to:
   * one query for a claim's mails instead of one per mail.
   */
  private async threadRoots(
    pairs: ReadonlyArray<readonly [incidentId: number, personId: number]>,
  ): Promise<Map<string, number>> {
    const roots = new Map<string, number>();
    if (pairs.length === 0) return roots;
    const incidents = [...new Set(pairs.map(([incident]) => incident))];
    const rows = await inChunks([...new Set(pairs.map(([, person]) => person))], (chunk) =>
      this.db.all<{ incident_id: number; person_id: number; id: number }>(
        sql`SELECT e.incident_id, d.person_id, min(d.id) AS id
              FROM deliveries d JOIN notification_events e ON e.id = d.event_id
             WHERE d.person_id IN ${chunk} AND e.incident_id IN ${incidents}
               AND d.channel = 'email' AND d.state NOT IN ('failed', 'undeliverable')
             GROUP BY e.incident_id, d.person_id`,
      ),
    );
    for (const r of rows)
      roots.set(threadKey(Number(r.incident_id), Number(r.person_id)), Number(r.id));
    return roots;
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
          sql`INSERT INTO deliveries (event_id, person_id, channel, state, attempts,
                                      next_attempt_at, fallback_of, created_at)
              VALUES (${row.event_id}, ${row.person_id}, 'email', 'pending', 0,
                      ${outcome.now}, ${id}, ${outcome.now})
              ON CONFLICT (event_id, person_id, channel) DO NOTHING
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
