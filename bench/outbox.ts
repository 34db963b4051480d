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

/** Runs one read-only query with `?` placeholders and returns its rows: the only database seam. */
export type Query = <R>(text: string, params: readonly unknown[]) => Promise<R[]>;

/** A delivery lane's lease (`lane:<channel>`) and the process holding it. */
export interface LaneHolder {
  channel: Channel;
  /** As Herald names itself: `<host>:<pid>:<random>`. */
  holder: string;
}

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
 * Herald's outbox, read beside the running Herald processes (a read-only SQLite connection, which
 * WAL lets in beside the writer, or a PostgreSQL pool of the bench's own): what each event should
 * deliver, what is still waiting, who holds the delivery lanes, and the reconciliation of the
 * outbox against what the emulators received.
 */
export class OutboxReader {
  constructor(private readonly query: Query) {}

  async eventId(incident: number, kind: EventKind): Promise<number | null> {
    const [row] = await this.query<{ id: number }>(
      'SELECT id FROM notification_events WHERE incident_id = ? AND kind = ? ORDER BY id LIMIT 1',
      [incident, kind],
    );
    return row?.id ?? null;
  }

  /** Deliveries of one event by state. */
  async states(eventId: number): Promise<Partial<Record<DeliveryState, number>>> {
    const out: Partial<Record<DeliveryState, number>> = {};
    for (const { state, n } of await this.query<{ state: DeliveryState; n: number }>(
      'SELECT state, count(*) AS n FROM deliveries WHERE event_id = ? GROUP BY state',
      [eventId],
    ))
      out[state] = n;
    return out;
  }

  async waiting(eventId: number): Promise<number> {
    const s = await this.states(eventId);
    return WAITING.reduce((sum, state) => sum + (s[state] ?? 0), 0);
  }

  /** Ids of the event's deliveries on `channels` claimed (`sending`) right now. */
  async claimed(eventId: number, channels: readonly Channel[]): Promise<number[]> {
    if (channels.length === 0) return [];
    const rows = await this.query<{ id: number }>(
      `SELECT id FROM deliveries WHERE event_id = ? AND state = 'sending'
          AND channel IN (${channels.map(() => '?').join(', ')})`,
      [eventId, ...channels],
    );
    return rows.map((r) => r.id);
  }

  /** The latest `sent_at` (epoch ms) of these deliveries; NaN if one of them is not sent. */
  async lastSentAt(ids: readonly number[]): Promise<number> {
    let last = Number.NEGATIVE_INFINITY;
    for (const id of ids) {
      const [row] = await this.query<{ sent: number | null }>(
        'SELECT sent_at AS sent FROM deliveries WHERE id = ?',
        [id],
      );
      const sent = row?.sent ?? null;
      if (sent === null) return Number.NaN;
      last = Math.max(last, sent);
    }
    return last;
  }

  /** Deliveries of one event meant to go out (not undeliverable), by channel. */
  async expectedByChannel(eventId: number): Promise<Record<Channel, number>> {
    const out: Record<Channel, number> = { slack: 0, teams: 0, email: 0 };
    for (const { channel, n } of await this.query<{ channel: Channel; n: number }>(
      `SELECT channel, count(*) AS n FROM deliveries
        WHERE event_id = ? AND state <> 'undeliverable' GROUP BY channel`,
      [eventId],
    ))
      out[channel] = n;
    return out;
  }

  /** Slack profiles Herald has stored (look-ups it cached) of users whose id starts so. */
  async storedSlackProfiles(idPrefix: string): Promise<number> {
    const [row] = await this.query<{ n: number }>(
      "SELECT count(*) AS n FROM platform_profiles WHERE platform = 'slack' AND user_id LIKE ?",
      [`${idPrefix}%`],
    );
    return Number(row?.n ?? 0);
  }

  /** The delivery lanes held now (leases not yet run out). */
  async lanes(): Promise<LaneHolder[]> {
    const rows = await this.query<{ name: string; holder: string }>(
      "SELECT name, holder FROM leases WHERE name LIKE 'lane:%' AND expires_at > ? ORDER BY name",
      [Date.now()],
    );
    return rows.map((r) => ({
      channel: r.name.slice('lane:'.length) as Channel,
      holder: r.holder,
    }));
  }

  /** Outbox against arrivals, for every event of `incident` (or only those of `kinds`). */
  async reconcile(
    ledger: Ledger,
    incident: number,
    kinds?: readonly EventKind[],
  ): Promise<Reconciliation> {
    const rows = (
      await this.query<Row>(
        `SELECT d.channel, d.state, e.kind, e.incident_id AS incident, p.slack_user_id AS slack,
                p.email, p.teams_conversation_ref AS ref
           FROM deliveries d
           JOIN notification_events e ON e.id = d.event_id
           JOIN people p ON p.id = d.person_id
          WHERE e.incident_id = ?`,
        [incident],
      )
    ).filter((r) => !kinds || kinds.includes(r.kind));
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
}
