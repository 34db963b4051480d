import type {
  Channel,
  Delivery,
  DeliveryState,
  NotificationEvent,
  Person,
} from '../domain/types.js';

/** One claimed delivery with everything a messenger needs to render and send it. */
export interface DeliveryJob {
  delivery: Delivery;
  person: Person;
  event: NotificationEvent;
  /**
   * Email only: the id of the first delivery of this incident to this person by email that was
   * sent or is on its way (this one, for the first), so a mail can thread under it.
   */
  threadRootId: number | null;
}

/** A messenger's failure, classified so the engine (the one layer that owns retries) can decide. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    readonly kind: 'transient' | 'permanent',
    message: string,
    readonly options: {
      /** Server-requested wait (HTTP 429 Retry-After), in milliseconds. */
      retryAfterMs?: number;
      /** The channel can no longer reach this person (Teams 403/404, Slack account_inactive). */
      unreachable?: boolean;
    } = {},
  ) {
    super(message);
  }
}

/** A token-bucket limit a messenger asks the engine to honour; `key` splits it (per conversation, per tenant). */
export interface RateLimit {
  name: string;
  ratePerSecond: number;
  burst: number;
  key(job: DeliveryJob): string;
  /**
   * Set when the platform counts this limit in a window (Teams: any 30 requests in one second):
   * at most `max` requests in any `ms`. The bucket still books each send's turn; the check as a
   * send leaves holds the actual departures against this sliding window instead of the bucket, so
   * the sends released together on one tick may leave together as long as the window has room.
   * `ms` is the platform's window plus a margin for the jitter of arrivals.
   */
  window?: { ms: number; max: number };
}

/** Sends one delivery on one channel. Throws `DeliveryError`; anything else counts as transient. */
export interface Messenger {
  readonly channel: Channel;
  readonly limits: readonly RateLimit[];
  /**
   * Sends one message. `wentOut` is called once its request is out (written on a connection, or
   * sent as a new one came up), after whatever it waited for (a token, a connection): the engine
   * counts a send that went out well after its turn from then, as the platform will.
   */
  send(job: DeliveryJob, wentOut?: () => void): Promise<void>;
}

/** The outbox as the worker sees it. Implemented in `db/` for both databases. */
export interface DeliveryQueue {
  /**
   * Atomically claims up to `limit` of one channel's due deliveries — `pending`/`retrying` whose `nextAttemptAt` has
   * come, or `sending` whose lease expired (a crashed worker's) — setting state `sending`,
   * `leaseUntil = now + leaseMs` and incrementing `attempts`.
   */
  claimDue(channel: Channel, now: number, limit: number, leaseMs: number): Promise<DeliveryJob[]>;
  markSent(id: number, now: number): Promise<void>;
  /** Extends the leases of claims still being sent (only rows still `sending`). */
  renew(ids: readonly number[], leaseUntil: number): Promise<void>;
  /**
   * Tells every process on the database that deliveries were enqueued (PostgreSQL `NOTIFY`), so
   * whichever owns the lane claims at once. A no-op where there is one process.
   */
  announce(): Promise<void>;
  /** Calls `onAnnounce` when another process announces; returns a function that stops it. */
  listen(onAnnounce: () => void): Promise<() => Promise<void>>;
  /** Gives a claim back untouched (the worker stopped before sending it): due again at once. */
  release(id: number): Promise<void>;
  scheduleRetry(id: number, at: number, error: string): Promise<void>;
  /**
   * Ends a delivery for good (never one already `sent`). Without `fallbackToEmail`, or for an
   * email delivery, it ends in `outcome.state`. With it, a person without an email address makes
   * it `undeliverable`; otherwise it ends `failed` and, unless the person already gets this event
   * by email, an email delivery (`fallbackOf` = id) is enqueued in the same transaction and its id
   * returned.
   */
  finish(
    id: number,
    outcome: {
      state: 'failed' | 'undeliverable';
      error: string;
      fallbackToEmail: boolean;
      now: number;
    },
  ): Promise<number | null>;
  /** Marks the channel unreachable for the person, so later events go straight to the fallback. */
  markUnreachable(personId: number, channel: Channel): Promise<void>;
  /** Earliest time one of the channel's deliveries becomes claimable, or null when none waits. */
  nextDueAt(channel: Channel): Promise<number | null>;
  counts(): Promise<Record<DeliveryState, number>>;
}
