import { describe, expect, it } from 'vitest';
import type { DeliveryJob, RateLimit } from '../../src/delivery/ports.js';
import {
  EXACT_PACING,
  RateLimiter,
  SlidingWindow,
  TokenBucket,
} from '../../src/delivery/rate-limiter.js';

/** Only what the limits' key functions look at. */
const job = (personId: number): DeliveryJob =>
  ({ delivery: { personId }, person: { id: personId } }) as unknown as DeliveryJob;

const perConversation: RateLimit = {
  name: 'conversation',
  ratePerSecond: 1,
  burst: 1,
  key: (j) => String(j.delivery.personId),
};
const workspace: RateLimit = { name: 'workspace', ratePerSecond: 10, burst: 2, key: () => 'all' };

describe('TokenBucket', () => {
  it('lets a burst through, then one token per 1/rate', () => {
    const bucket = new TokenBucket(2, 3); // 2/s: a token every 500 ms
    expect([bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([0, 0, 0]);
    expect(bucket.take(0)).toBe(500);
    expect(bucket.take(0)).toBe(1_000); // queued behind the previous reservation
    expect(bucket.take(1_000)).toBe(500);
  });

  it('counts a departure that left later than taken as taken again when it left', () => {
    const bucket = new TokenBucket(20, 1); // a token every 50 ms
    bucket.take(0);
    bucket.take(50);
    // The one taken at 0 left at 80, after the one at 50: as if taken at 50 and 80, the next
    // token comes at 150, not at 100.
    bucket.move(0, 80);
    expect(bucket.wait(100)).toBe(50);
    const alone = new TokenBucket(20, 1);
    alone.take(0);
    alone.move(0, 80);
    expect(alone.wait(80)).toBe(50);
  });

  it('refills while idle, up to the burst only', () => {
    const bucket = new TokenBucket(1, 2);
    bucket.take(0);
    bucket.take(0);
    expect(bucket.wait(0)).toBe(1_000);
    expect(bucket.wait(1_000)).toBe(0);
    // Ten idle seconds still give just a burst of 2.
    expect([bucket.take(20_000), bucket.take(20_000), bucket.take(20_000)]).toEqual([0, 0, 1_000]);
  });

  it('wait() peeks without taking', () => {
    const bucket = new TokenBucket(1, 1);
    expect(bucket.wait(0)).toBe(0);
    expect(bucket.wait(0)).toBe(0);
    expect(bucket.take(0)).toBe(0);
    expect(bucket.wait(0)).toBe(1_000);
  });

  it('rejects nonsense limits', () => {
    expect(() => new TokenBucket(0, 1)).toThrow(RangeError);
    expect(() => new TokenBucket(1, 0)).toThrow(RangeError);
  });
});

describe('RateLimiter', () => {
  it('keeps a bucket per key: two conversations do not share', () => {
    const limiter = new RateLimiter({ pacing: EXACT_PACING });
    expect(limiter.reserve('slack', [perConversation], job(1), 0)).toBe(0);
    expect(limiter.reserve('slack', [perConversation], job(2), 0)).toBe(0);
    expect(limiter.reserve('slack', [perConversation], job(1), 0)).toBe(1_000);
    expect(limiter.reserve('slack', [perConversation], job(2), 100)).toBe(900);
  });

  it('a constant key makes a channel-wide bucket, and channels do not share it', () => {
    const limiter = new RateLimiter({ pacing: EXACT_PACING });
    const waits = [1, 2, 3, 4].map((p) => limiter.reserve('teams', [workspace], job(p), 0));
    expect(waits).toEqual([0, 0, 100, 200]);
    expect(limiter.reserve('slack', [workspace], job(5), 0)).toBe(0);
  });

  it('waits for the slowest applicable bucket without holding up other keys', () => {
    const limiter = new RateLimiter({ pacing: EXACT_PACING });
    const limits = [perConversation, workspace];
    expect(limiter.reserve('slack', limits, job(1), 0)).toBe(0);
    // Same conversation: its own bucket (1/s) dominates.
    expect(limiter.reserve('slack', limits, job(1), 0)).toBe(1_000);
    // Another conversation only queues behind the workspace bucket (burst 2, then 10/s).
    expect(limiter.reserve('slack', limits, job(2), 0)).toBe(100);
    expect(limiter.reserve('slack', limits, job(3), 0)).toBe(200);
  });

  it('paces a little under the server limit by default: 97 % of the rate, half the burst', () => {
    const limiter = new RateLimiter();
    const tenant: RateLimit = { name: 'tenant', ratePerSecond: 30, burst: 30, key: () => 't' };
    const waits = Array.from({ length: 17 }, (_, p) =>
      limiter.reserve('teams', [tenant], job(p), 0),
    );
    // 15 go at once (half the burst of 30), then one every 1000 / 29.1 ≈ 34.4 ms, not 33.3 ms.
    expect(waits.slice(0, 15)).toEqual(Array(15).fill(0));
    expect(waits.slice(15)).toEqual([35, 69]);
    // Over a minute: 97 % of the 1,800 the server allows, plus the half burst.
    const more = Array.from({ length: 2_000 }, (_, p) =>
      limiter.reserve('teams', [tenant], job(100 + p), 0),
    );
    const inFirstMinute = 17 + more.filter((wait) => wait < 60_000).length;
    expect(inFirstMinute).toBeGreaterThan(0.96 * 1_800);
    expect(inFirstMinute).toBeLessThanOrEqual(0.97 * 1_800 + 15);
  });

  it('forgets idle buckets so memory stays bounded', () => {
    const limiter = new RateLimiter({ sweepEveryMs: 1_000, pacing: EXACT_PACING });
    for (let p = 0; p < 100; p++) limiter.reserve('slack', [perConversation], job(p), 0);
    expect(limiter.size).toBe(100);
    limiter.reserve('slack', [perConversation], job(1_000), 5_000);
    expect(limiter.size).toBe(1);
    // A forgotten bucket behaves like the full one it was.
    expect(limiter.reserve('slack', [perConversation], job(1), 5_000)).toBe(0);
  });
});

describe('RateLimiter.admit: the check as a send actually leaves', () => {
  /** Teams' tenant limit as the messenger declares it: any 30 in one second stays true. */
  const tenant: RateLimit = { name: 'tenant', ratePerSecond: 29.5, burst: 1, key: () => 't' };

  /** The most departures in any one-second window. */
  const busiestSecond = (times: number[]): number => {
    const sorted = [...times].sort((a, b) => a - b);
    let most = 0;
    for (let i = 0, j = 0; i < sorted.length; i++) {
      while (sorted[i]! - sorted[j]! >= 1_000) j++;
      most = Math.max(most, i - j + 1);
    }
    return most;
  };

  /**
   * 90 sends booked at once; the process stalls for the first `stallMs`, so every send whose turn
   * fell inside the stall wakes at its end, together. Returns when each one left.
   */
  const departures = (stallMs: number, admitted: boolean): number[] => {
    const limiter = new RateLimiter();
    const ready = Array.from({ length: 90 }, (_, i) => {
      const turn = limiter.reserve('teams', [tenant], job(i), 0);
      return Math.max(turn, stallMs);
    });
    if (!admitted) return ready;
    const left: number[] = [];
    // Each send, from its wake-up on, asks the door and sleeps what it is told, in time order.
    const waiting = ready.map((at, i) => ({ at, i }));
    while (waiting.length > 0) {
      waiting.sort((a, b) => a.at - b.at || a.i - b.i);
      const send = waiting.shift()!;
      const hold = limiter.admit('teams', [tenant], job(send.i), send.at);
      if (hold === 0) left.push(send.at);
      else waiting.push({ at: send.at + hold, i: send.i });
    }
    return left;
  };

  it('sends that wake late together leave spaced again: no second ever holds more than 30', () => {
    // Booked turns alone break the window once a stall bunches them (the case it exists for)...
    expect(busiestSecond(departures(500, false))).toBeGreaterThan(30);
    // ...and with the check at the door, they do not.
    const left = departures(500, true);
    expect(left).toHaveLength(90);
    expect(busiestSecond(left)).toBeLessThanOrEqual(30);
  });

  it('adds no wait to sends that leave on their turn', () => {
    const limiter = new RateLimiter();
    for (let i = 0; i < 60; i++) {
      const turn = limiter.reserve('teams', [tenant], job(i), 0);
      expect(limiter.admit('teams', [tenant], job(i), turn)).toBe(0);
    }
  });

  it('records nothing when it says wait', () => {
    const limiter = new RateLimiter();
    expect(limiter.admit('teams', [perConversation], job(1), 0)).toBe(0);
    expect(limiter.admit('teams', [perConversation], job(1), 0)).toBe(1_000);
    expect(limiter.admit('teams', [perConversation], job(1), 0)).toBe(1_000);
    expect(limiter.admit('teams', [perConversation], job(1), 1_000)).toBe(0);
  });
});

describe('SlidingWindow', () => {
  it('lets `max` through in any window, at once or spread, then waits for the oldest to leave it', () => {
    const window = new SlidingWindow(1_000, 3);
    for (const at of [0, 0, 400]) {
      expect(window.wait(at)).toBe(0);
      window.take(at);
    }
    expect(window.wait(500)).toBe(500);
    expect(window.wait(1_000)).toBe(0);
    window.take(1_000);
    // The latest three are 0, 400 and 1000: the second 0 has just left the window too.
    expect(window.wait(1_000)).toBe(0);
    window.take(1_000);
    // Now 400, 1000 and 1000: the next fits once 400 has left it.
    expect(window.wait(1_000)).toBe(400);
    expect(window.wait(1_400)).toBe(0);
  });

  it('counts a departure that left later than recorded from when it left', () => {
    const window = new SlidingWindow(1_000, 3);
    for (const at of [0, 10, 20]) window.take(at);
    expect(window.wait(500)).toBe(500);
    // The one recorded at 0 actually left at 80 (its request waited for a connection).
    window.move(0, 80);
    // The latest three are now 10, 20 and 80: full until 10 leaves at 1,010.
    expect(window.wait(1_000)).toBe(10);
    window.take(1_010);
    // 20, 80 and 1,010: room once 20 has left, at 1,020; then full until 80 leaves, at 1,080.
    expect(window.wait(1_020)).toBe(0);
    window.take(1_020);
    expect(window.wait(1_020)).toBe(60);
  });

  it('is idle once its latest departure has left the window', () => {
    const window = new SlidingWindow(1_000, 2);
    expect(window.isIdle(0)).toBe(true);
    window.take(0);
    window.take(300);
    window.take(1_200);
    expect(window.isIdle(2_199)).toBe(false);
    expect(window.isIdle(2_200)).toBe(true);
  });

  it('a limit declaring a window is checked against it at the door, not against its bucket', () => {
    const tenant: RateLimit = {
      name: 'tenant',
      ratePerSecond: 29.5,
      burst: 1,
      key: () => 't',
      window: { ms: 1_030, max: 30 },
    };
    const limiter = new RateLimiter();
    // Thirty leave together on one tick; the thirty-first waits for the window.
    for (let i = 0; i < 30; i++) expect(limiter.admit('teams', [tenant], job(i), 0)).toBe(0);
    expect(limiter.admit('teams', [tenant], job(30), 0)).toBe(1_030);
  });
});
