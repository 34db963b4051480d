import type { Channel } from '../src/domain/types.js';
import type { OutboxReader } from './outbox.js';
import type { Child } from './processes.js';

const CHANNELS: readonly Channel[] = ['slack', 'teams', 'email'];

/**
 * The delivery lanes each of `heralds` holds now, from the leases table (src/delivery/lanes.ts):
 * Herald names itself `<host>:<pid>:<random>`, and the bench knows its children's pids.
 */
export async function lanesOf(
  outbox: OutboxReader,
  heralds: readonly Child[],
): Promise<Channel[][]> {
  const held = heralds.map((): Channel[] => []);
  for (const { channel, holder } of await outbox.lanes()) {
    const pid = Number(holder.split(':').at(-2));
    held[heralds.findIndex((h) => h.pid === pid)]?.push(channel);
  }
  return held;
}

/**
 * Waits until every channel's lane is held and no process holds more than its share (⌈3 ÷ n⌉):
 * the first replica up takes every lane and gives the extra ones back only at its next renewals
 * (a quarter of `DELIVERY_LEASE_MS` apart), so a fan-out started sooner would run on one process.
 */
export async function lanesSpread(
  outbox: OutboxReader,
  heralds: readonly Child[],
  timeoutMs: number,
): Promise<Channel[][]> {
  const share = Math.ceil(CHANNELS.length / heralds.length);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const held = await lanesOf(outbox, heralds);
    if (held.flat().length === CHANNELS.length && held.every((h) => h.length <= share)) {
      return held;
    }
    if (Date.now() > deadline) {
      throw new Error(`the delivery lanes did not spread in ${timeoutMs} ms: ${describe(held)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** `slack → 0, teams → 1, email → 2`: which replica holds each lane. */
export const describe = (held: readonly Channel[][]): string =>
  CHANNELS.map((c) => `${c} → ${held.findIndex((h) => h.includes(c))}`).join(', ');
