/**
 * The SMTP relay's sending rate, as a hosted relay enforces it: a bucket of `burst` tokens refilled
 * at `perSecond`, checked when a request arrives. Deliberately independent of Herald's own limiter
 * (src/delivery/rate-limiter.ts): the emulator must judge Herald's pacing, not share its maths.
 * The chat platforms' limits are in test/support/platform-limits.ts, shared with the test fakes.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    now = performance.now(),
  ) {
    this.tokens = burst;
    this.last = now;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
  }

  /** Milliseconds until one token is there (0: now). */
  waitMs(now = performance.now()): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) * 1000) / this.perSecond;
  }

  /** Spends a token; call only after `waitMs()` said 0. */
  take(): void {
    this.tokens -= 1;
  }
}

/**
 * Checks every bucket and spends from all of them only when all have a token, so a refused request
 * costs nothing (as on the real platforms). Returns the wait in ms, 0 when admitted.
 */
export function admit(buckets: readonly TokenBucket[], now = performance.now()): number {
  const wait = Math.max(0, ...buckets.map((b) => b.waitMs(now)));
  if (wait === 0) for (const b of buckets) b.take();
  return wait;
}
