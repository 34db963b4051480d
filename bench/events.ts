import { monitorEventLoopDelay } from 'node:perf_hooks';
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
  /** Of those, the processes' main threads' (the event loops'); likewise. */
  mainThreadCpuSeconds: number;
  /** Event-loop wake-ups of the Herald processes meanwhile, summed (likewise; NaN across a crash). */
  wakeups: number;
  /** The SMTP emulator meanwhile: transaction lengths and the client's gaps between them (ms). */
  relay: { transactionMs: number[]; gapMs: number[] };
  /**
   * The stretch of the event after the bench's timed commands (`update` only): the deliveries that
   * arrived in it and the CPU of the Herald processes over it, all threads and main threads.
   */
  afterCommands?: {
    seconds: number;
    deliveries: number;
    cpuSeconds: number;
    mainThreadCpuSeconds: number;
  };
  /** The bench's own event loop meanwhile (it runs the emulators): delay p99 and max, ms. */
  benchLoop: { p99: number; max: number };
  /** The outbox reads that asked whether the event was done: how many, and their longest, ms. */
  polls: { count: number; maxMs: number };
}

/** While the event's arrivals grow, the outbox is asked at most this often whether it is done. */
const POLL_WHILE_ARRIVING_MS = 2_000;

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
  // The reads are synchronous on SQLite and block the emulators' event loop (16 ms each at 100,000
  // deliveries an event): while arrivals keep coming the event is not done, and the read can wait.
  const polls = { count: 0, maxMs: 0 };
  let seen = -1;
  let polledAt = 0;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  while (now() < deadline) {
    const arrived = ledger.eventCount(incident, kind);
    const arriving = arrived !== seen;
    seen = arrived;
    if (!arriving || now() - polledAt >= POLL_WHILE_ARRIVING_MS) {
      const started = now();
      eventId ??= await outbox.eventId(incident, kind);
      const done = eventId !== null && (await outbox.waiting(eventId)) === 0;
      polledAt = now();
      polls.count += 1;
      polls.maxMs = Math.max(polls.maxMs, polledAt - started);
      if (done) {
        complete = true;
        break;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  loop.disable();
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
    mainThreadCpuSeconds: Number.NaN,
    wakeups: Number.NaN,
    relay: { transactionMs: [], gapMs: [] },
    benchLoop: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
    polls,
  };
}

export { now as epochMs };
