import Database from 'better-sqlite3';
import type { Channel, DeliveryState } from '../src/domain/types.js';
import { deliveryKey, eventKey, type EventKind, type Ledger } from './emulators/ledger.js';

interface Row {
  channel: Channel;
  state: DeliveryState;
  kind: EventKind;
  incident: number;
  slack: string | null;
  email: string | null;
  ref: string | null;
}

export interface Reconciliation {
  /** Deliveries the outbox meant to make (not failed or undeliverable). */
  expected: number;
  lost: number;
  duplicated: number;
  /** Arrivals with no delivery in the outbox. */
  unexpected: number;
  /** Still pending, sending or retrying. */
  unfinished: number;
  failed: number;
}

const WAITING: readonly DeliveryState[] = ['pending', 'sending', 'retrying'];

function recipientOf(row: Row): string {
  if (row.channel === 'slack') return row.slack ?? '';
  if (row.channel === 'email') return (row.email ?? '').toLowerCase();
  try {
    return (JSON.parse(row.ref ?? '') as { conversation: { id: string } }).conversation.id;
  } catch {
    return '';
  }
}

/**
 * Herald's outbox, read over a read-only connection while Herald runs (WAL lets a reader in beside
 * the writer): what each event should deliver, what is still waiting, and the reconciliation of the
 * outbox against what the emulators received.
 */
export class OutboxReader {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path, { readonly: true, fileMustExist: true });
  }

  eventId(incident: number, kind: EventKind): number | null {
    const row = this.db
      .prepare<[number, string], { id: number }>(
        'SELECT id FROM notification_events WHERE incident_id = ? AND kind = ? ORDER BY id LIMIT 1',
      )
      .get(incident, kind);
    return row?.id ?? null;
  }

  /** Deliveries of one event by state. */
  states(eventId: number): Partial<Record<DeliveryState, number>> {
    const out: Partial<Record<DeliveryState, number>> = {};
    for (const { state, n } of this.db
      .prepare<[number], { state: DeliveryState; n: number }>(
        'SELECT state, count(*) AS n FROM deliveries WHERE event_id = ? GROUP BY state',
      )
      .all(eventId))
      out[state] = n;
    return out;
  }

  waiting(eventId: number): number {
    const s = this.states(eventId);
    return WAITING.reduce((sum, state) => sum + (s[state] ?? 0), 0);
  }

  /** Ids of the event's deliveries claimed (`sending`) right now. */
  claimed(eventId: number): number[] {
    return this.db
      .prepare<[number], { id: number }>(
        "SELECT id FROM deliveries WHERE event_id = ? AND state = 'sending'",
      )
      .all(eventId)
      .map((r) => r.id);
  }

  /** The latest `sent_at` (epoch ms) of these deliveries; NaN if one of them is not sent. */
  lastSentAt(ids: readonly number[]): number {
    let last = Number.NEGATIVE_INFINITY;
    const get = this.db.prepare<[number], { sent: number | null }>(
      'SELECT sent_at AS sent FROM deliveries WHERE id = ?',
    );
    for (const id of ids) {
      const sent = get.get(id)?.sent ?? null;
      if (sent === null) return Number.NaN;
      last = Math.max(last, sent);
    }
    return last;
  }

  /** Deliveries of one event meant to go out (not undeliverable), by channel. */
  expectedByChannel(eventId: number): Record<Channel, number> {
    const out: Record<Channel, number> = { slack: 0, teams: 0, email: 0 };
    for (const { channel, n } of this.db
      .prepare<[number], { channel: Channel; n: number }>(
        `SELECT channel, count(*) AS n FROM deliveries
          WHERE event_id = ? AND state <> 'undeliverable' GROUP BY channel`,
      )
      .all(eventId))
      out[channel] = n;
    return out;
  }

  /** Outbox against arrivals, for every event of `incident` (or only those of `kinds`). */
  reconcile(ledger: Ledger, incident: number, kinds?: readonly EventKind[]): Reconciliation {
    const rows = this.db
      .prepare<[number], Row>(
        `SELECT d.channel, d.state, e.kind, e.incident_id AS incident, p.slack_user_id AS slack,
                p.email, p.teams_conversation_ref AS ref
           FROM deliveries d
           JOIN notification_events e ON e.id = d.event_id
           JOIN people p ON p.id = d.person_id
          WHERE e.incident_id = ?`,
      )
      .all(incident)
      .filter((r) => !kinds || kinds.includes(r.kind));
    const out: Reconciliation = {
      expected: 0,
      lost: 0,
      duplicated: 0,
      unexpected: 0,
      unfinished: 0,
      failed: 0,
    };
    const known = new Set<string>();
    for (const row of rows) {
      if (row.state === 'failed' || row.state === 'undeliverable') {
        out.failed += 1;
        continue;
      }
      const key = deliveryKey({ ...row, recipient: recipientOf(row) });
      known.add(key);
      out.expected += 1;
      if (WAITING.includes(row.state)) out.unfinished += 1;
      const arrived = ledger.count(key);
      if (arrived === 0) out.lost += 1;
      else out.duplicated += arrived - 1;
    }
    const events = new Set(rows.map((r) => eventKey(r.incident, r.kind)));
    for (const [key, n] of ledger.keys()) {
      const [, inc, kind] = key.split('|');
      if (!known.has(key) && events.has(`${inc}|${kind}`)) out.unexpected += n;
    }
    return out;
  }

  close(): void {
    this.db.close();
  }
}
