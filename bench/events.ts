import type { Channel } from '../src/domain/types.js';
import type { EventKind, Ledger } from './emulators/ledger.js';
import type { OutboxReader } from './outbox.js';
import { sustainedRate } from './stats.js';

export interface ChannelFigures {
  delivered: number;
  /** Sustained arrivals per second (middle 80 %). */
  rate: number;
  firstMs: number;
  lastMs: number;
}

export interface EventFigures {
  kind: EventKind;
  /** Deliveries the outbox planned (not undeliverable). */
  expected: Record<Channel, number>;
  /** From the command's POST to the last arrival, ms; NaN when nothing arrived. */
  lastDeliveryMs: number;
  /** Everything settled (sent, failed or undeliverable) before the deadline. */
  complete: boolean;
  byChannel: Record<Channel, ChannelFigures>;
  /** CPU seconds the Herald processes spent meanwhile, summed (set by the scenario; NaN across a crash). */
  cpuSeconds: number;
  /** Event-loop wake-ups of the Herald processes meanwhile, summed (likewise; NaN across a crash). */
  wakeups: number;
}

const now = () => performance.timeOrigin + performance.now();

/**
 * Waits until the event the command at `postedAt` wrote has no delivery pending, sending or
 * retrying, then measures it from the emulators' arrivals. Gives up at `deadline` (epoch ms).
 */
export async function waitForEvent(
  outbox: OutboxReader,
  ledger: Ledger,
  incident: number,
  kind: EventKind,
  postedAt: number,
  deadline: number,
): Promise<EventFigures> {
  let eventId: number | null = null;
  let complete = false;
  while (now() < deadline) {
    eventId ??= await outbox.eventId(incident, kind);
    if (eventId !== null && (await outbox.waiting(eventId)) === 0) {
      complete = true;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const expected =
    eventId === null ? { slack: 0, teams: 0, email: 0 } : await outbox.expectedByChannel(eventId);
  const arrivals = ledger.arrivals.filter((a) => a.incident === incident && a.kind === kind);
  const figures = (channel: Channel): ChannelFigures => {
    const times = arrivals.filter((a) => a.channel === channel).map((a) => a.at);
    return {
      delivered: times.length,
      rate: sustainedRate(times),
      firstMs: times.length ? Math.min(...times) - postedAt : Number.NaN,
      lastMs: times.length ? Math.max(...times) - postedAt : Number.NaN,
    };
  };
  const byChannel = { slack: figures('slack'), teams: figures('teams'), email: figures('email') };
  const last = Math.max(
    ...Object.values(byChannel).map((c) => (Number.isNaN(c.lastMs) ? 0 : c.lastMs)),
  );
  return {
    kind,
    expected,
    lastDeliveryMs: last || Number.NaN,
    complete,
    byChannel,
    cpuSeconds: Number.NaN,
    wakeups: Number.NaN,
  };
}

export { now as epochMs };
