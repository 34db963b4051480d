import { ErrorCode } from '@slack/web-api';
import type { Clock } from '../../src/clock.js';
import type { Logger } from '../../src/logger.js';

/** How fast Herald calls one Web API method: `perMinute` on average, `burst` at once. */
export interface Pace {
  perMinute: number;
  burst: number;
}

/**
 * Slack limits each Web API method per workspace by its tier (docs.slack.dev/apis/web-api/
 * rate-limits): Tier 2 "20+ per minute", Tier 3 "50+", Tier 4 "100+", with bursts it does not
 * put a number on. Each method's reference page (docs.slack.dev/reference/methods/<method>, "Rate
 * limits") names its tier: `users.list` Tier 2; `users.lookupByEmail` and `conversations.open`
 * Tier 3; `users.info`, `views.open`, `views.update`, `views.push`, `views.publish` and
 * `chat.postEphemeral` Tier 4. Herald keeps under the documented floor with a margin — 90 % of the
 * rate and bursts of about a tenth of a minute's worth — so a few calls it cannot see (another
 * tool with the same token, a replica's first call) fit in the rest; past that, Slack's 429 and
 * its `Retry-After` are obeyed (see {@link SlackPacer}).
 */
const TIER_2: Pace = { perMinute: 18, burst: 3 };
const TIER_3: Pace = { perMinute: 45, burst: 5 };
const TIER_4: Pace = { perMinute: 90, burst: 10 };

export const SLACK_PACE: Readonly<Record<string, Pace>> = {
  'users.list': TIER_2,
  'users.lookupByEmail': TIER_3,
  'conversations.open': TIER_3,
  'users.info': TIER_4,
  'views.open': TIER_4,
  'views.update': TIER_4,
  'views.push': TIER_4,
  'views.publish': TIER_4,
  'chat.postEphemeral': TIER_4,
};

/** Seconds Slack asked to wait, when `err` is the client's rate-limit error; otherwise null. */
export function retryAfterOf(err: unknown): number | null {
  const e = err as { code?: unknown; retryAfter?: unknown } | null;
  if (e?.code !== ErrorCode.RateLimitedError) return null;
  return typeof e.retryAfter === 'number' && e.retryAfter > 0 ? e.retryAfter : 1;
}

/** Why a call was not sent: the caller no longer needed it when its turn came. */
export const NOT_NEEDED = Symbol('not needed');

export interface CallOptions {
  /**
   * Someone is waiting on this call now (an actor's confirmation, a modal's lookup): it goes
   * before calls that are not, such as a command's bulk lookups.
   */
  urgent?: boolean;
  /**
   * Asked when the call's turn comes (and before each retry): false gives the turn to the next
   * call and resolves with {@link NOT_NEEDED} instead of sending.
   */
  stillNeeded?: () => boolean;
  /** Told when Slack refused the call with 429: it is sent again after `retryAfterS` seconds. */
  onRateLimited?: (retryAfterS: number) => void;
}

interface Waiter {
  urgent: boolean;
  /** A call sent once already and refused with 429: first in line when the pause ends. */
  retry: boolean;
  stillNeeded: () => boolean;
  go(send: boolean): void;
}

/** One method's pace: a token bucket, the pause Slack asked for, and the calls waiting. */
class Lane {
  private tokens: number;
  private last: number;
  /** No call is sent before this (Slack's `Retry-After`). */
  pausedUntil = 0;
  readonly waiting: Waiter[] = [];
  pumping = false;

  constructor(
    readonly pace: Pace | null,
    now: number,
  ) {
    this.tokens = pace?.burst ?? 0;
    this.last = now;
  }

  /** Milliseconds until a call may be sent (0: now). */
  waitMs(now: number): number {
    const paused = Math.max(0, this.pausedUntil - now);
    if (!this.pace) return paused;
    const rate = this.pace.perMinute / 60_000;
    this.tokens = Math.min(this.pace.burst, this.tokens + Math.max(0, now - this.last) * rate);
    this.last = Math.max(this.last, now);
    return Math.max(paused, this.tokens >= 1 ? 0 : (1 - this.tokens) / rate);
  }

  take(): void {
    if (this.pace) this.tokens -= 1;
  }

  /**
   * Slack refused a call: nothing goes out before `until`, and then one call (the refused one,
   * first in line) and the rest at the pace, without a burst — Slack's own budget is spent.
   */
  pause(now: number, until: number): void {
    this.waitMs(now);
    this.pausedUntil = Math.max(this.pausedUntil, until);
    if (this.pace) {
      const rate = this.pace.perMinute / 60_000;
      this.tokens = Math.min(this.tokens, 1 - (this.pausedUntil - now) * rate);
    }
  }

  enqueue(w: Waiter): void {
    // Retries first, then urgent calls, then the rest; each group in arrival order.
    const rank = (x: Waiter) => (x.retry ? 0 : x.urgent ? 1 : 2);
    const at = this.waiting.findIndex((x) => rank(x) > rank(w));
    if (at === -1) this.waiting.push(w);
    else this.waiting.splice(at, 0, w);
  }
}

/**
 * Paces Herald's Slack Web API calls, per method, under Slack's tiers ({@link SLACK_PACE}): one
 * instance per process, shared by everything that calls those methods (the actor's confirmation,
 * the directory), so together they stay under the limit. A call waits its turn; a 429 pauses its
 * method until `Retry-After` has passed — no call of that method is sent meanwhile — and the call
 * is sent again: a rate limit is never the caller's error. Time is Herald's clock.
 */
export class SlackPacer {
  private readonly lanes = new Map<string, Lane>();

  constructor(
    private readonly clock: Clock,
    private readonly paces: Readonly<Record<string, Pace>> = SLACK_PACE,
    private readonly logger?: Logger,
  ) {}

  /**
   * Sends `send` when `method`'s pace allows, again after each 429 once Slack's `Retry-After` has
   * passed. Resolves with its answer, or {@link NOT_NEEDED}; rejects with any other error.
   */
  async call<T>(
    method: string,
    send: () => Promise<T>,
    opts: CallOptions = {},
  ): Promise<T | typeof NOT_NEEDED> {
    const stillNeeded = opts.stillNeeded ?? (() => true);
    for (let retry = false; ; retry = true) {
      if (!(await this.turn(method, opts.urgent ?? false, retry, stillNeeded))) return NOT_NEEDED;
      try {
        return await send();
      } catch (err) {
        const retryAfter = retryAfterOf(err);
        if (retryAfter === null) throw err;
        const now = this.clock.now();
        this.lane(method).pause(now, now + retryAfter * 1000);
        opts.onRateLimited?.(retryAfter);
        this.logger?.warn(
          { method, retryAfterS: retryAfter },
          'slack: rate limited; pausing the method and sending again',
        );
      }
    }
  }

  /** Milliseconds until a call of `method` could be sent, were none waiting (0: now). */
  waitMs(method: string): number {
    const lane = this.lane(method);
    return lane.waiting.length > 0 ? Infinity : lane.waitMs(this.clock.now());
  }

  private lane(method: string): Lane {
    let lane = this.lanes.get(method);
    if (!lane) {
      lane = new Lane(this.paces[method] ?? null, this.clock.now());
      this.lanes.set(method, lane);
    }
    return lane;
  }

  /** Resolves true when the call may be sent now, false when it is no longer needed. */
  private turn(
    method: string,
    urgent: boolean,
    retry: boolean,
    stillNeeded: () => boolean,
  ): Promise<boolean> {
    const lane = this.lane(method);
    return new Promise((resolve) => {
      lane.enqueue({ urgent, retry, stillNeeded, go: resolve });
      void this.pump(lane);
    });
  }

  /** Hands turns out, one per token, to the waiting calls in order; sleeps while none is due. */
  private async pump(lane: Lane): Promise<void> {
    if (lane.pumping) return;
    lane.pumping = true;
    try {
      while (lane.waiting.length > 0) {
        const first = lane.waiting[0]!;
        if (!first.stillNeeded()) {
          lane.waiting.shift();
          first.go(false);
          continue;
        }
        const wait = lane.waitMs(this.clock.now());
        if (wait > 0) {
          await this.clock.sleep(wait);
          continue;
        }
        lane.waiting.shift();
        lane.take();
        first.go(true);
      }
    } finally {
      lane.pumping = false;
    }
  }
}
