import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, DEFAULT_MAX_ATTEMPTS, retryDelay } from '../../src/delivery/backoff.js';

const opts = { baseMs: 1_000, maxMs: 60_000 };
const top = () => 1; // the random draw at its upper bound: delay = the exponential ceiling
const bottom = () => 0;

describe('retryDelay', () => {
  it('doubles with each attempt', () => {
    const delays = [1, 2, 3, 4, 5].map((a) => retryDelay(a, { ...opts, random: top }));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
  });

  it('is capped at maxMs, even for absurd attempt numbers', () => {
    expect(retryDelay(7, { ...opts, random: top })).toBe(60_000);
    expect(retryDelay(10_000, { ...opts, random: top })).toBe(60_000);
  });

  it('equal jitter (the default) stays within [ceiling/2, ceiling]', () => {
    expect(retryDelay(3, { ...opts, random: bottom })).toBe(2_000);
    expect(retryDelay(3, { ...opts, random: () => 0.5 })).toBe(3_000);
    expect(retryDelay(3, { ...opts, random: top })).toBe(4_000);
    for (let i = 0; i < 200; i++) {
      const d = retryDelay(3, { ...opts, random: Math.random });
      expect(d).toBeGreaterThanOrEqual(2_000);
      expect(d).toBeLessThanOrEqual(4_000);
    }
  });

  it('full jitter stays within [0, ceiling]', () => {
    expect(retryDelay(3, { ...opts, jitter: 'full', random: bottom })).toBe(0);
    expect(retryDelay(3, { ...opts, jitter: 'full', random: () => 0.25 })).toBe(1_000);
    expect(retryDelay(3, { ...opts, jitter: 'full', random: top })).toBe(4_000);
  });

  it('never waits less than a Retry-After, even above the cap', () => {
    expect(retryDelay(1, { ...opts, random: top, retryAfterMs: 30_000 })).toBe(30_000);
    expect(retryDelay(1, { ...opts, random: top, retryAfterMs: 120_000 })).toBe(120_000);
    // A Retry-After shorter than the backoff does not shorten it.
    expect(retryDelay(4, { ...opts, random: top, retryAfterMs: 10 })).toBe(8_000);
  });

  it('rides out 40 to 77 minutes of transient failure by default before giving up', () => {
    const budget = (random: () => number) => {
      let total = 0;
      for (let attempt = 1; attempt < DEFAULT_MAX_ATTEMPTS; attempt++) {
        total += retryDelay(attempt, { ...DEFAULT_BACKOFF, random });
      }
      return total / 60_000;
    };
    expect(budget(() => 0)).toBeGreaterThan(38);
    expect(budget(() => 0.999)).toBeLessThan(80);
  });
});
