import type { Channel } from '../../src/domain/types.js';

/** The events Herald sends stakeholders, as the emulators read them back from a message. */
export type EventKind = 'subscribed' | 'update' | 'resolved' | 'reminder';

/** One accepted delivery: which event (incident × kind) reached which recipient, and when. */
export interface Arrival {
  channel: Channel;
  incident: number;
  kind: EventKind;
  /** Slack user id, Teams conversation id or email address (lower case). */
  recipient: string;
  /** `performance.timeOrigin + performance.now()`: comparable with the bench's own clock. */
  at: number;
}

/** The key that identifies event × person on one channel, shared with the outbox reconciliation. */
export const deliveryKey = (
  a: Pick<Arrival, 'channel' | 'incident' | 'kind' | 'recipient'>,
): string => `${a.channel}|${a.incident}|${a.kind}|${a.recipient}`;

export const eventKey = (incident: number, kind: EventKind): string => `${incident}|${kind}`;

/**
 * What all three emulators accepted, counted by delivery key so lost and duplicated messages can be
 * told apart afterwards. Refusals (429) are counted separately: they are not deliveries.
 */
export class Ledger {
  readonly arrivals: Arrival[] = [];
  private readonly byKey = new Map<string, number>();
  private readonly byEvent = new Map<string, number>();
  readonly refused: Record<string, number> = {};
  /**
   * Requests sent while a `Retry-After` the emulator answered for their limit still ran (after a
   * short grace for those already on their way): a sender that honours 429s leaves this empty.
   */
  readonly violations: Record<string, number> = {};
  /** Messages the emulators could not attribute to an event (a rendering change would show here). */
  unparsed = 0;
  private readonly listeners = new Set<(a: Arrival) => void>();

  record(arrival: Omit<Arrival, 'at'>): void {
    const a: Arrival = { ...arrival, at: performance.timeOrigin + performance.now() };
    this.arrivals.push(a);
    const key = deliveryKey(a);
    this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1);
    const ev = eventKey(a.incident, a.kind);
    this.byEvent.set(ev, (this.byEvent.get(ev) ?? 0) + 1);
    for (const l of this.listeners) l(a);
  }

  refuse(what: string): void {
    this.refused[what] = (this.refused[what] ?? 0) + 1;
  }

  violate(what: string): void {
    this.violations[what] = (this.violations[what] ?? 0) + 1;
  }

  /** How many times this delivery key arrived. */
  count(key: string): number {
    return this.byKey.get(key) ?? 0;
  }

  keys(): IterableIterator<[string, number]> {
    return this.byKey.entries();
  }

  /** Arrivals of one event, all channels, duplicates included. */
  eventCount(incident: number, kind: EventKind): number {
    return this.byEvent.get(eventKey(incident, kind)) ?? 0;
  }

  /** Calls `listener` on every arrival until the returned function is called. */
  onArrival(listener: (a: Arrival) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
