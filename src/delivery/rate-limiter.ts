import type { Channel } from '../domain/types.js';
import type { DeliveryJob, RateLimit } from './ports.js';

/**
 * A token bucket (`ratePerSecond` refill, `burst` capacity) driven by the caller's `now`: no timers.
 *
 * Kept in the equivalent GCRA form — one "theoretical arrival time" instead of a token count and
 * a refill timestamp — which makes reservations exact: a caller told to wait 300 ms owns the token
 * at now + 300, and the next caller queues behind it.
 */
export class TokenBucket {
  /** Milliseconds per token. */
  private readonly interval: number;
  /** How far ahead of real time reservations may run before callers must wait: the burst. */
  private readonly tolerance: number;
  /** When the bucket will be full again, given every reservation so far. */
  private tat = Number.NEGATIVE_INFINITY;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError('ratePerSecond must be positive');
    if (!(burst >= 1)) throw new RangeError('burst must be at least 1');
    this.interval = 1000 / ratePerSecond;
    this.tolerance = (Math.floor(burst) - 1) * this.interval;
  }

  /** Milliseconds from `now` until a token is available, without taking it. */
  wait(now: number): number {
    return Math.max(0, Math.ceil(this.tat - this.tolerance - now));
  }

  /** Reserves the next token and returns how long to wait for it (0 = go now). */
  take(now: number): number {
    const wait = this.wait(now);
    // The token is spent at now + wait; the next caller queues behind it.
    this.tat = Math.max(this.tat, now) + this.interval;
    return wait;
  }

  /** When the latest server pause (`blockUntil`) ends. */
  private blockedUntil = Number.NEGATIVE_INFINITY;

  /** Holds every token until `until` (a server's Retry-After): nobody goes before it. */
  blockUntil(until: number): void {
    this.tat = Math.max(this.tat, until + this.tolerance);
    this.blockedUntil = Math.max(this.blockedUntil, until);
  }

  /**
   * A departure taken at `from` actually left at `to` (later): a token is taken at `to`, as if it
   * had been taken then, and the one taken at `from` stays spent: a little strict.
   */
  move(_from: number, to: number): void {
    this.tat = Math.max(this.tat, to) + this.interval;
  }

  /** True while a server's pause holds this bucket at `now`. */
  isBlocked(now: number): boolean {
    return this.blockedUntil > now;
  }

  /** True when the bucket is full again: forgetting it changes nothing. */
  isIdle(now: number): boolean {
    return this.tat <= now;
  }
}

/**
 * At most `max` departures in any `ms`: the latest `max` departure times in order (one recorded
 * late goes in its place), so its memory is bounded by `max` and each check is constant time.
 * Driven by the caller's `now`.
 */
export class SlidingWindow {
  /** Ascending; at most `max`. */
  private readonly times: number[] = [];

  constructor(
    readonly ms: number,
    readonly max: number,
  ) {
    if (!(ms > 0)) throw new RangeError('ms must be positive');
    if (!(max >= 1)) throw new RangeError('max must be at least 1');
  }

  /** Milliseconds from `now` until one more departure fits in every window ending then. */
  wait(now: number): number {
    if (this.times.length < this.max) return 0;
    // The max-th latest departure must have left the window: it leaves at its time plus `ms`.
    return Math.max(0, Math.ceil(this.times[0]! + this.ms - now));
  }

  /** Records a departure at `now`. */
  take(now: number): void {
    let i = this.times.length;
    while (i > 0 && this.times[i - 1]! > now) i -= 1;
    this.times.splice(i, 0, now);
    if (this.times.length > this.max) this.times.shift();
  }

  /** A departure recorded at `from` actually left at `to` (later): it counts from then. */
  move(from: number, to: number): void {
    const i = this.times.lastIndexOf(from);
    if (i >= 0) this.times.splice(i, 1);
    this.take(to);
  }

  /** True when no departure is left in the window: forgetting it changes nothing. */
  isIdle(now: number): boolean {
    const latest = this.times.at(-1);
    return latest === undefined || latest + this.ms <= now;
  }
}

/** How close to a server's limit the engine paces: shares of its rate and of its burst. */
export interface Pacing {
  rate: number;
  burst: number;
}

/**
 * A little under the limit. The server counts arrivals, not our departures: a request delayed by a
 * busy moment and the next one not delayed arrive closer together than they left, and a server
 * bucket running exactly as full as ours answers that with a 429 and a whole second of Retry-After.
 * Pacing at 97 % of the rate builds a cushion (about a token a second at 30/s); allowing only
 * half the burst keeps one from the first second on.
 */
export const DEFAULT_PACING: Pacing = { rate: 0.97, burst: 0.5 };
/** The server's limit exactly: for tests of the bucket arithmetic. */
export const EXACT_PACING: Pacing = { rate: 1, burst: 1 };

/**
 * The engine's rate limiting: one bucket per `${channel}:${limit.name}:${key}`, paced a little under
 * the server's limit (`pacing`), created on first use and forgotten once full again, so memory
 * follows the keys active in the last `sweepEveryMs`.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  /** Actual departures, per bucket id: see {@link RateLimiter.admit}. */
  private readonly departures = new Map<string, TokenBucket | SlidingWindow>();
  private lastSweep = Number.NEGATIVE_INFINITY;
  private readonly sweepEveryMs: number;
  private readonly pacing: Pacing;

  constructor(options: { sweepEveryMs?: number; pacing?: Pacing } = {}) {
    this.sweepEveryMs = options.sweepEveryMs ?? 60_000;
    this.pacing = options.pacing ?? DEFAULT_PACING;
  }

  /**
   * Reserves a token in every bucket that applies to `job` and returns the milliseconds to wait
   * before sending: the longest of the buckets' waits.
   *
   * Each bucket books its own earliest slot. Booking all of them at the latest instant instead
   * would be exact, but a bucket's queue is one line: a single conversation waiting a second
   * would then hold up the whole workspace behind it. The price is that a send delayed by a
   * strict per-key bucket spends the wider bucket's token early, so the wider limit can be
   * overshot by the sends so delayed (at most the worker's concurrency); a 429 Retry-After, which
   * the worker honours, covers that rare case.
   */
  reserve(channel: Channel, limits: readonly RateLimit[], job: DeliveryJob, now: number): number {
    this.sweep(now);
    let wait = 0;
    for (const limit of limits) wait = Math.max(wait, this.bucket(channel, limit, job).take(now));
    return wait;
  }

  /**
   * A server said "slow down" (HTTP 429 with Retry-After): every bucket that applies to `job` —
   * the workspace's, the tenant's, the conversation's — waits until `until`, so the other queued
   * sends do not spend their attempts hitting the same wall.
   */
  pause(channel: Channel, limits: readonly RateLimit[], job: DeliveryJob, until: number): void {
    this.pauses += 1;
    for (const limit of limits) this.bucket(channel, limit, job).blockUntil(until);
  }

  /** How many pauses (429s) the limiter has been told of: a waiting send compares before and after. */
  pauses = 0;

  /**
   * True while a server's pause (`pause`) holds one of the buckets that apply to `job`: a send
   * that reserved its turn before the 429 came must not go into the server's Retry-After, but book
   * again behind it.
   */
  isPaused(channel: Channel, limits: readonly RateLimit[], job: DeliveryJob, now: number): boolean {
    return limits.some((limit) => this.bucket(channel, limit, job).isBlocked(now));
  }

  /**
   * The check at the door. `reserve` books each send's turn ahead, but a send can leave later than
   * its turn (a busy event loop, a process stalled for a moment) and then bunch with the sends
   * booked after it, and the server counts arrivals. So just before a send leaves, it is held
   * against buckets at the limits the messenger declared (without the pacing's margin) fed with
   * the actual departures (for a limit the platform counts in a window, that sliding window
   * instead): 0 means go now, and the departure is recorded in each; otherwise the milliseconds
   * until every one of them has room, with nothing recorded.
   */
  admit(channel: Channel, limits: readonly RateLimit[], job: DeliveryJob, now: number): number {
    const buckets = limits.map((limit) => this.departureBucket(channel, limit, job));
    let wait = 0;
    for (const bucket of buckets) wait = Math.max(wait, bucket.wait(now));
    if (wait > 0) return wait;
    for (const bucket of buckets) bucket.take(now);
    return 0;
  }

  /**
   * A send admitted at `admittedAt` left only at `leftAt`: its request waited for a token or a
   * connection (on the internet, a TCP and a TLS handshake), or the process stalled before writing
   * it. The platform counts it when it arrives, so the departure records count it from then;
   * otherwise the sends admitted a window later would land in the same window as it.
   */
  departedLate(
    channel: Channel,
    limits: readonly RateLimit[],
    job: DeliveryJob,
    admittedAt: number,
    leftAt: number,
  ): void {
    if (!(leftAt > admittedAt)) return;
    for (const limit of limits) this.departureBucket(channel, limit, job).move(admittedAt, leftAt);
  }

  /** Number of live buckets (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  private bucket(channel: Channel, limit: RateLimit, job: DeliveryJob): TokenBucket {
    const id = `${channel}:${limit.name}:${limit.key(job)}`;
    let bucket = this.buckets.get(id);
    if (!bucket) {
      bucket = new TokenBucket(
        limit.ratePerSecond * this.pacing.rate,
        Math.max(1, Math.floor(limit.burst * this.pacing.burst)),
      );
      this.buckets.set(id, bucket);
    }
    return bucket;
  }

  /**
   * The record of actual departures for one limit and key: its window when it declares one, else
   * a bucket at the declared rate and burst.
   */
  private departureBucket(
    channel: Channel,
    limit: RateLimit,
    job: DeliveryJob,
  ): TokenBucket | SlidingWindow {
    const id = `${channel}:${limit.name}:${limit.key(job)}`;
    let bucket = this.departures.get(id);
    if (!bucket) {
      bucket = limit.window
        ? new SlidingWindow(limit.window.ms, limit.window.max)
        : new TokenBucket(limit.ratePerSecond, Math.max(1, Math.floor(limit.burst)));
      this.departures.set(id, bucket);
    }
    return bucket;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < this.sweepEveryMs) return;
    this.lastSweep = now;
    for (const map of [this.buckets, this.departures])
      for (const [id, bucket] of map) if (bucket.isIdle(now)) map.delete(id);
  }
}
