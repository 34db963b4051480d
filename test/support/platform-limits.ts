/**
 * The rate limits Slack and Microsoft Teams document for the calls Herald makes, in one table, and
 * the book that enforces them as the platforms do: 429 with `Retry-After` past any of them, and a
 * record of every request sent into a `Retry-After` still running (a violation). Shared by the test
 * fakes (`fake-slack.ts`, `fake-connector.ts`) and the bench's emulators (`bench/emulators/`), so
 * tests and bench judge Herald by the same numbers. Deliberately independent of Herald's own pacing
 * (src/delivery/rate-limiter.ts, adapters/slack/pacer.ts): the platforms' side judges Herald's.
 */

/** A token bucket: `perMinute` on average, up to `burst` at once; a refused request costs nothing. */
export interface BucketLimit {
  kind: 'bucket';
  perMinute: number;
  burst: number;
}

/** At most `max` requests in any `seconds`-long stretch, for each window (a sliding log). */
export interface WindowLimit {
  kind: 'windows';
  windows: ReadonlyArray<{ seconds: number; max: number }>;
}

export type Limit = BucketLimit | WindowLimit;

const bucket = (perMinute: number, burst: number): BucketLimit => ({
  kind: 'bucket',
  perMinute,
  burst,
});

/**
 * Slack's tiers (docs.slack.dev/apis/web-api/rate-limits: Tier 1 "1+ per minute", Tier 2 "20+",
 * Tier 3 "50+", Tier 4 "100+"). The rates are the documented floors. Slack tolerates bursts
 * ("occasional" for Tier 2, "sporadic" for Tier 3, "generous" for Tier 4) without a number; the
 * bursts here are small, so the emulation is at least as strict as Slack.
 */
export const SLACK_TIER = {
  1: bucket(1, 1),
  2: bucket(20, 5),
  3: bucket(50, 10),
  4: bucket(100, 20),
} as const;

/**
 * Each Web API method Herald calls, under the tier its reference page gives
 * (docs.slack.dev/reference/methods/<method>, "Rate limits"); per method, per workspace, per app.
 */
export const SLACK_METHOD_LIMITS: Readonly<Record<string, BucketLimit>> = {
  'users.list': SLACK_TIER[2],
  'users.lookupByEmail': SLACK_TIER[3],
  'conversations.open': SLACK_TIER[3],
  'users.info': SLACK_TIER[4],
  'views.open': SLACK_TIER[4],
  'views.update': SLACK_TIER[4],
  'views.push': SLACK_TIER[4],
  'views.publish': SLACK_TIER[4],
  'chat.postEphemeral': SLACK_TIER[4],
  // "Special": "allows hundreds of requests per minute".
  'auth.test': bucket(200, 50),
};

/**
 * `chat.postMessage` is "Special": about one message per second per channel, "short bursts" above
 * it allowed. Its workspace limit is unpublished: each emulation configures its own (see
 * {@link slackWorkspacePostMessage}).
 */
export const SLACK_POST_MESSAGE_PER_CHANNEL: BucketLimit = bucket(60, 3);

/** A workspace ceiling for `chat.postMessage` of `perSecond`, one second of it as burst. */
export const slackWorkspacePostMessage = (perSecond: number): BucketLimit =>
  bucket(perSecond * 60, perSecond);

/**
 * The channel a `chat.postMessage` lands in: a user id (`U…`, `W…`) is the app's DM with that
 * user, the same channel `conversations.open` answers, so both share its limit.
 */
export const slackDmOf = (channel: string): string =>
  /^[UW]/.test(channel) ? `D${channel}` : channel;

/**
 * Microsoft Teams, per bot per thread (learn.microsoft.com/microsoftteams/platform/bots/how-to/
 * rate-limit, "Per bot per thread limit"): "Send to conversation" and "Create conversation" 7 in
 * 1 s, 8 in 2 s, 60 in 30 s, 1800 in 3600 s; "Get conversation members" 14, 16, 120, 3600. The
 * limits for all bots per thread (14 in 1 s, 16 in 2 s for sends) are looser for one bot alone.
 */
export const TEAMS_SEND_PER_THREAD: WindowLimit = {
  kind: 'windows',
  windows: [
    { seconds: 1, max: 7 },
    { seconds: 2, max: 8 },
    { seconds: 30, max: 60 },
    { seconds: 3600, max: 1800 },
  ],
};
export const TEAMS_CREATE_PER_THREAD: WindowLimit = TEAMS_SEND_PER_THREAD;
export const TEAMS_MEMBERS_PER_THREAD: WindowLimit = {
  kind: 'windows',
  windows: [
    { seconds: 1, max: 14 },
    { seconds: 2, max: 16 },
    { seconds: 30, max: 120 },
    { seconds: 3600, max: 3600 },
  ],
};

/**
 * "The global limit per app per tenant is 30 Requests Per Second" (the same page; later versions
 * of it say 50 — the lower figure is kept), every request counted, as any 30 in one second.
 */
export const TEAMS_TENANT_PER_SECOND = 30;
export const TEAMS_PER_TENANT: WindowLimit = {
  kind: 'windows',
  windows: [{ seconds: 1, max: TEAMS_TENANT_PER_SECOND }],
};

/** How late a request may be read and still be judged against the windows it arrived in. */
const READ_LATE_MARGIN_MS = 1_000;

/** What a platform holds for one key: a bucket's tokens, or a window's recent request times. */
type State = { tokens: number; last: number } | { times: number[] };

/** A request that arrived while a `Retry-After` answered for one of its keys still ran. */
export interface Violation {
  /** The key whose `Retry-After` was running (`chat.postMessage workspace`, `tenant:t1`…). */
  key: string;
  /** How much of the window was left, ms on the book's clock. */
  earlyByMs: number;
}

export type Verdict =
  | { admitted: true; violation: Violation | null }
  | {
      admitted: false;
      retryAfterS: number;
      violation: Violation | null;
      /** The keys that had no room, each with how long until it has, ms. */
      refusedBy: Array<{ key: string; waitMs: number }>;
    };

export interface LimitBookOptions {
  /** The platform's clock, ms (default: the monotonic clock); tests may drive their own. */
  now?: () => number;
  /**
   * How long after a 429 was answered a request on its key still counts as already on its way
   * (sent before the sender could read the 429) rather than sent into the window: real time, as it
   * is about the sockets, not the platform's clock.
   */
  inFlightGraceMs?: number;
  /**
   * How late the book may read an arrival. An emulator sharing two cores with the replicas and the
   * database it judges reads some requests tens of milliseconds after they arrived, bunching them:
   * a window then counts only arrivals more than this far apart from its far end. 0 (the default)
   * for fakes on a quiet process or a test clock. A function is asked at each request: an emulator
   * can follow its own event loop's measured delay.
   */
  arrivalJitterMs?: number | (() => number);
}

/**
 * Limits by key, checked when a request arrives: every (key, limit) pair that applies must have
 * room, and a request is counted in all of them only when admitted — a refused one costs nothing,
 * as on the platforms. A refusal answers `Retry-After` in whole seconds (at least one, as Slack and
 * Teams send it) and opens a window on the keys that refused: a request on one of those keys
 * before the window ends is a violation.
 */
export class LimitBook {
  private readonly states = new Map<string, State>();
  private readonly windows = new Map<string, { until: number; answeredAt: number }>();
  private readonly now: () => number;
  private readonly graceMs: number;
  private readonly jitter: () => number;

  constructor(opts: LimitBookOptions = {}) {
    this.now = opts.now ?? (() => performance.now());
    this.graceMs = opts.inFlightGraceMs ?? 100;
    const jitter = opts.arrivalJitterMs ?? 0;
    this.jitter = typeof jitter === 'function' ? jitter : () => jitter;
  }

  /**
   * Judges one request against `limits`; admits it (and counts it) only if all have room.
   * `readLateMs`: how long before this call the request reached the emulator (see
   * `arrivalDelayMs` in bench/emulators/http.ts), so it is judged at its arrival.
   */
  check(limits: ReadonlyArray<{ key: string; limit: Limit }>, readLateMs = 0): Verdict {
    const late = Math.max(0, readLateMs);
    const now = this.now() - late;
    const violation = this.violationOf(
      limits.map((l) => l.key),
      now,
      late,
    );
    const waits = limits.map(({ key, limit }) => this.waitMs(key, limit, now));
    const wait = Math.max(0, ...waits);
    if (wait === 0) {
      for (const { key, limit } of limits) this.count(key, limit, now);
      return { admitted: true, violation };
    }
    const retryAfterS = Math.max(1, Math.ceil(wait / 1000));
    const refusedBy: Array<{ key: string; waitMs: number }> = [];
    limits.forEach(({ key }, i) => {
      const waitMs = waits[i] ?? 0;
      if (waitMs <= 0) return;
      this.openWindow(key, retryAfterS);
      refusedBy.push({ key, waitMs: Math.round(waitMs) });
    });
    return { admitted: false, retryAfterS, violation, refusedBy };
  }

  /** A 429 answered for another reason (an injected failure): `key` rests for `retryAfterS`. */
  openWindow(key: string, retryAfterS: number): void {
    const until = this.now() + retryAfterS * 1000;
    const open = this.windows.get(key);
    if (!open || open.until < until)
      this.windows.set(key, { until, answeredAt: performance.now() });
  }

  /**
   * The first of `keys` under a running `Retry-After`, past the in-flight grace; else null. A
   * request read `readLateMs` late is judged by when it arrived, in the grace too.
   */
  violationOf(keys: readonly string[], now = this.now(), readLateMs = 0): Violation | null {
    for (const key of keys) {
      const open = this.windows.get(key);
      if (!open) continue;
      if (now >= open.until) {
        this.windows.delete(key);
        continue;
      }
      if (performance.now() - readLateMs - open.answeredAt > this.graceMs) {
        return { key, earlyByMs: open.until - now };
      }
    }
    return null;
  }

  private waitMs(key: string, limit: Limit, now: number): number {
    if (limit.kind === 'bucket') {
      const s = this.bucket(key, limit, now);
      const rate = limit.perMinute / 60_000;
      s.tokens = Math.min(limit.burst, s.tokens + Math.max(0, now - s.last) * rate);
      s.last = Math.max(s.last, now);
      return s.tokens >= 1 ? 0 : (1 - s.tokens) / rate;
    }
    const times = this.log(key, limit, now);
    // Times are in arrival order. A request read late can be judged after one that arrived after
    // it: those are not in its windows, which end at its arrival (`now`).
    let last = times.length - 1;
    while (last >= 0 && (times[last] ?? 0) > now) last -= 1;
    let wait = 0;
    for (const { seconds, max } of limit.windows) {
      const from = now - seconds * 1000 + this.jitter();
      let inside = 0;
      for (let i = last; i >= 0 && (times[i] ?? 0) > from; i -= 1) inside += 1;
      if (inside >= max) {
        // The request `max` back from the newest must leave the window first.
        wait = Math.max(wait, (times[last - max + 1] ?? now) + seconds * 1000 - now);
      }
      // It must also fit in the windows that end at the arrivals after it, already admitted: the
      // platform, judging in arrival order, would have refused the one that overfilled them.
      for (let j = last + 1; j < times.length; j += 1) {
        const end = times[j] ?? 0;
        const start = end - seconds * 1000 + this.jitter();
        if (now <= start) continue;
        let count = 1;
        for (let i = j; i >= 0 && (times[i] ?? 0) > start; i -= 1) count += 1;
        if (count > max) wait = Math.max(wait, (times[j - max + 1] ?? end) + seconds * 1000 - now);
      }
    }
    return wait;
  }

  private count(key: string, limit: Limit, now: number): void {
    if (limit.kind === 'bucket') this.bucket(key, limit, now).tokens -= 1;
    else {
      // In arrival order, which is not always the order requests are judged in.
      const times = this.log(key, limit, now);
      let i = times.length;
      while (i > 0 && (times[i - 1] ?? 0) > now) i -= 1;
      times.splice(i, 0, now);
    }
  }

  private bucket(key: string, limit: BucketLimit, now: number): { tokens: number; last: number } {
    let s = this.states.get(key);
    if (!s || !('tokens' in s)) this.states.set(key, (s = { tokens: limit.burst, last: now }));
    return s;
  }

  /**
   * The key's request times, those older than its longest window dropped, and then some: a request
   * read late may still have arrived within a window of them.
   */
  private log(key: string, limit: WindowLimit, now: number): number[] {
    let s = this.states.get(key);
    if (!s || !('times' in s)) this.states.set(key, (s = { times: [] }));
    const longest = Math.max(...limit.windows.map((w) => w.seconds)) * 1000;
    const drop = s.times.findIndex((t) => t > now - longest - READ_LATE_MARGIN_MS);
    if (drop === -1) s.times.length = 0;
    else if (drop > 0) s.times.splice(0, drop);
    return s.times;
  }
}
