import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { LaneOwnership } from '../../src/delivery/lanes.js';
import { CHANNELS } from '../../src/domain/types.js';
import { useStore } from '../support/stores.js';

// Lane ownership on a real SQLite file, on fake timers and a fake Date: which round takes a lane
// is a matter of milliseconds, so the test moves time itself instead of sleeping through it.

/** A lease of 4 s: a round every second. */
const TTL = 4_000;

describe('delivery lanes', () => {
  const h = useStore('sqlite');

  afterEach(() => {
    vi.useRealTimers();
  });

  const fakeTime = () =>
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    });

  const lanesOf = (holder: string) =>
    new LaneOwnership(
      {
        leases: h().store.leases,
        replicas: h().store.replicas,
        holder,
        clock: systemClock,
        ttlMs: TTL,
      },
      () => CHANNELS,
      () => 0,
    );

  const owned = (lanes: LaneOwnership) => CHANNELS.filter((c) => lanes.owns(c));

  /** A process that took every lane and said it was alive at `at`, then died: no renewal since. */
  async function diedHolding(at: number): Promise<void> {
    await h().store.replicas.heartbeat('dead', at, TTL);
    for (const c of CHANNELS) {
      expect(await h().store.leases.acquire(`lane:${c}`, 'dead', at, TTL)).toBe(true);
    }
  }

  it("takes a dead process's lanes just past their leases' end, not at its next round", async () => {
    fakeTime();
    // Its last renewal was 3.8 s ago: its leases end in 200 ms, 800 ms before our next round.
    await diedHolding(Date.now() - 3_800);
    const lanes = lanesOf('alive');
    await lanes.start();
    expect(owned(lanes)).toEqual([]);
    await vi.advanceTimersByTimeAsync(199);
    expect(owned(lanes)).toEqual([]);
    // Its heartbeat ended with its leases: all three are ours, not just our share of two.
    await vi.advanceTimersByTimeAsync(10);
    expect(owned(lanes)).toEqual([...CHANNELS]);
    await lanes.stop();
  });

  it('adds no round for leases that end after the next one, nor for its own', async () => {
    fakeTime();
    // Renewed 2.2 s ago: they end in 1.8 s, after our next round (in 1 s), which looks again.
    await diedHolding(Date.now() - 2_200);
    const lanes = lanesOf('alive');
    await lanes.start();
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    // That round saw them end within a second: one more timer, for just past their end.
    expect(vi.getTimerCount()).toBe(2);
    expect(owned(lanes)).toEqual([]);
    await vi.advanceTimersByTimeAsync(790);
    expect(owned(lanes)).toEqual([]);
    await vi.advanceTimersByTimeAsync(20);
    expect(owned(lanes)).toEqual([...CHANNELS]);
    // From now on every lease is its own: its rounds alone keep them.
    await vi.advanceTimersByTimeAsync(5_000);
    expect(vi.getTimerCount()).toBe(1);
    expect(owned(lanes)).toEqual([...CHANNELS]);
    await lanes.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
