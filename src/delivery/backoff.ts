/**
 * Exponential backoff with jitter for transient delivery failures. Pure: randomness comes in as a
 * function so the worker passes `clock.random` and tests pass a constant.
 */

/** How the random part of a delay is drawn from the exponential ceiling. */
export type Jitter = 'full' | 'equal';

export interface BackoffOptions {
  /** Ceiling of the first retry's delay. */
  baseMs: number;
  /** Cap on the exponential ceiling, whatever the attempt. */
  maxMs: number;
  /**
   * `full`: uniform in [0, ceiling] — spreads a thundering herd best but may retry at once.
   * `equal`: uniform in [ceiling/2, ceiling] — still spread, never sooner than half. Default.
   */
  jitter?: Jitter;
}

/**
 * Defaults: first retry after 1–2 s, doubling up to 15 minutes, 14 attempts in all: a transient
 * outage of 40 to 77 minutes (equal jitter) is ridden out before a delivery gives up.
 */
export const DEFAULT_BACKOFF: Required<BackoffOptions> = {
  baseMs: 2_000,
  maxMs: 15 * 60_000,
  jitter: 'equal',
};

/** Attempts (the first send included) before a transiently failing delivery gives up. */
export const DEFAULT_MAX_ATTEMPTS = 14;

/**
 * Milliseconds to wait before retrying after the `attempt`-th failed attempt (1-based).
 * The ceiling is `min(maxMs, baseMs * 2^(attempt-1))`; jitter draws below it. A server-requested
 * `retryAfterMs` (HTTP 429 Retry-After) is a floor and is not capped: the server knows best.
 */
export function retryDelay(
  attempt: number,
  options: BackoffOptions & { random: () => number; retryAfterMs?: number },
): number {
  const { baseMs, maxMs, jitter = DEFAULT_BACKOFF.jitter, random, retryAfterMs = 0 } = options;
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // 2 ** exponent overflows to Infinity for huge attempts; min() keeps that harmless.
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  const r = Math.min(Math.max(random(), 0), 1);
  const delay = jitter === 'full' ? r * ceiling : ceiling / 2 + (r * ceiling) / 2;
  return Math.max(Math.round(delay), Math.ceil(retryAfterMs));
}
