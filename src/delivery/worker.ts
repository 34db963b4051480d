import type { Clock } from '../clock.js';
import { CHANNELS, CHAT_CHANNELS, type Channel, type Delivery } from '../domain/types.js';
import {
  DEFAULT_BACKOFF,
  DEFAULT_MAX_ATTEMPTS,
  retryDelay,
  type BackoffOptions,
} from './backoff.js';
import { DeliveryError, type DeliveryJob, type DeliveryQueue, type Messenger } from './ports.js';
import { RateLimiter } from './rate-limiter.js';

/** How one attempt ended, for metrics and logs. */
export interface SettledEvent {
  /** As claimed (state `sending`, attempts including this one). */
  delivery: Delivery;
  outcome: 'sent' | 'retrying' | 'failed' | 'undeliverable';
  error?: DeliveryError;
  /** From the delivery's creation (enqueue) to this settlement. */
  latencyMs: number;
  /** The email delivery enqueued in its place, when this one fell back. */
  fallbackId?: number;
}

/** Pino-compatible subset. */
export interface WorkerLogger {
  debug?(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface DeliveryWorkerOptions {
  queue: DeliveryQueue;
  messengers: Partial<Record<Channel, Messenger>>;
  clock: Clock;
  /**
   * Sends in flight at once, per channel (each channel is a lane of its own). Default 32: a lane
   * paced at its ceiling holds most of them waiting for their turn, and claims a quarter at a time,
   * so a claim (a write transaction) is shared by 8 sends.
   */
  concurrency?: number;
  /**
   * How long a claim holds before another worker may take it over. Renewed every third of it
   * while the send runs, so it can be short: a dead worker's claims go out again within it.
   * Default 12 s.
   */
  leaseMs?: number;
  /**
   * Which channels this worker may claim on now (see `LaneOwnership`); by default all. Several
   * Herald processes on one database each send on the lanes they own.
   */
  lanes?: { owns(channel: Channel): boolean };
  /** How long a settlement (`sent`, a retry) is retried while the database is away. Default 10 min. */
  settleRetryMs?: number;
  /**
   * Sends that wait for their turn leave on a grid of ticks this far apart: each at the first
   * tick at or after its turn, all of a tick's sends on one timer. On a small machine a process
   * waking from sleep costs more CPU than the request it wakes for (a bare Node HTTP client: about
   * 470 µs of CPU per request at 5 requests a wake-up, 200 µs at 25), and at the ceilings a chat
   * lane books a turn every 20–35 ms; on 515 ms ticks Slack's 25 or so and Teams' 15 sends a tick
   * share one wake-up, and their answers come back together. Rates are the limiter's, unchanged;
   * a send that has to wait leaves at most a tick after its turn, one that need not leaves at
   * once. 0 gives each send a timer of its own. Default {@link DEFAULT_TICK_MS}.
   */
  tickMs?: number;
  /** Longest idle sleep; `wake()` and due times cut it short. Default {@link DEFAULT_POLL_MS}. */
  pollMs?: number;
  /** Attempts, the first included, before a transient failure becomes final. Default 8. */
  maxAttempts?: number;
  backoff?: Partial<BackoffOptions>;
  /** Shared limiter; by default each worker has its own. */
  rateLimiter?: RateLimiter;
  /** Called after each attempt is settled; exceptions thrown here are logged and ignored. */
  onSettled?: (event: SettledEvent) => void;
  /** Called when a send waits for a rate limit (metrics). */
  onRateLimitWait?: (channel: Channel, ms: number) => void;
  logger?: WorkerLogger;
}

/**
 * Two ticks are 1,030 ms: a little longer than the window Teams' tenant limit is checked in at
 * the door (30 in any 1,010 ms, see adapters/teams/direct-messenger.ts), so a tick's sends find
 * the places of the sends two ticks before free again, those having left within 20 ms of their
 * tick. Where two ticks are no longer than the window (500 ms ticks, or a window of 1,030 ms), a
 * tick's Teams sends that leave faster than those two ticks before are held at the door, and the
 * window's places, freeing one by one as the earlier sends had left, let them through a few at a
 * time, a wake-up for each few.
 */
export const DEFAULT_TICK_MS = 515;

/**
 * How long a drained lane goes before it is asked again whether anything is due. Nothing this
 * process enqueues, retries or takes over waits for it (each wakes the worker, and every known
 * due time, a claim's lease end included, is slept to exactly); it is the backstop for work it
 * was not told of: another process's enqueue whose NOTIFY was lost, a database back from an
 * outage. Every poll is a claim transaction and a read per lane, about 1.5 ms of CPU a round on
 * a process that was asleep: at 500 ms, an idle Herald spent 6–7 ms a second, 3–4 of them here.
 */
export const DEFAULT_POLL_MS = 2_000;

/**
 * The grid a send held at the door wakes on (see `wakeAt`): at most 10 ms late for its place, so
 * a full Teams window lasts at most 1,040 ms (28.8/s, above the 28.6/s its tenant's bucket books).
 */
export const DOOR_GRID_MS = 10;

/**
 * How much later than its turn a request may go out and still count at its turn. A tick's sends
 * are let through together, then each is rendered and written in turn, so the last goes out a few
 * milliseconds after the first; moved for that, each would count twice in a bucket (see
 * `TokenBucket.move`). Later than this, the request waited for a token or a connection, or the
 * process stalled between letting it through and writing it (a collection, the CPU taken by
 * another process: 50 ms seen on a loaded machine): the platform counts it from when it arrives,
 * so the engine does too, and the sends after it are not let into a window it still fills. Teams'
 * tenant window has 10 ms past the platform's second for the rest (`TENANT_WINDOW_MS`).
 */
export const LATE_DEPARTURE_MS = 5;

const silent: WorkerLogger = { info: () => {}, warn: () => {}, error: () => {} };

const isChat = (channel: Channel): boolean => CHAT_CHANNELS.includes(channel);

/**
 * Sends the outbox: claims due deliveries (leased, so a crashed worker's claims come back), waits
 * for the messenger's rate limits, sends, and settles each one — sent, retried with backoff,
 * failed over to email, or undeliverable. The only layer that retries.
 */
export class DeliveryWorker {
  private readonly queue: DeliveryQueue;
  private readonly clock: Clock;
  private readonly concurrency: number;
  /** Free slots a busy lane waits for before it claims again: a quarter of its concurrency. */
  private readonly claimBatch: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly tickMs: number;
  /** The timer of each tick some send waits for, by the tick's time. */
  private readonly ticks = new Map<number, Promise<void>>();
  private readonly maxAttempts: number;
  private readonly backoff: Required<BackoffOptions>;
  private readonly limiter: RateLimiter;
  private readonly logger: WorkerLogger;
  /** Sends in progress by delivery id, per channel: each channel is a lane with its own slots. */
  private readonly lanes: Record<Channel, Map<number, Promise<void>>> = {
    slack: new Map(),
    teams: new Map(),
    email: new Map(),
  };
  /** Claims on their way from the queue: each resolves once its sends are in their lane. */
  private readonly claiming = new Set<Promise<unknown>>();
  private running = false;
  private renewal: NodeJS.Timeout | null = null;
  private lastOutageLog = 0;
  private readonly settleRetryMs: number;
  /** Bumped by each stop(): a claim from an earlier epoch is given back instead of sent. */
  private epoch = 0;
  /** The turn the latest send was given (see `nextTurn`). */
  private lastTurn: Promise<void> = Promise.resolve();
  /** Bumped by each start(), so a loop left over from before a stop() never runs beside a new one. */
  private generation = 0;
  private loopDone: Promise<void> = Promise.resolve();
  /** Set by `wake()` and by each settlement: the loop must look again before sleeping. */
  private woken = false;
  /**
   * Per lane, the time before which its last claim says nothing is due (at most a poll ahead).
   * A lane with nothing left is then not claimed again on every settlement of the others: an
   * empty claim is a write transaction. `wake()` (work enqueued) and this worker's own retries and
   * fallbacks bring it forward.
   */
  private readonly quietUntil: Record<Channel, number> = { slack: 0, teams: 0, email: 0 };
  private interruptSleep: (() => void) | null = null;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.queue = options.queue;
    this.clock = options.clock;
    this.concurrency = Math.max(1, options.concurrency ?? 32);
    this.claimBatch = Math.ceil(this.concurrency / 4);
    this.leaseMs = options.leaseMs ?? 12_000;
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.tickMs = Math.max(0, options.tickMs ?? DEFAULT_TICK_MS);
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.limiter = options.rateLimiter ?? new RateLimiter();
    this.logger = options.logger ?? silent;
    this.settleRetryMs = options.settleRetryMs ?? 600_000;
  }

  /** Starts the claim loop and the lease renewal of sends in flight. Idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    // Claims given back by a stop() are due again.
    for (const channel of CHANNELS) this.quietUntil[channel] = 0;
    this.loopDone = this.loop(++this.generation);
    // A real timer: leases are held in wall time against other processes.
    this.renewal = setInterval(() => void this.renewLeases(), Math.max(100, this.leaseMs / 3));
    this.renewal.unref();
  }

  /**
   * Extends the lease of every send in flight, so a slow send (an SMTP relay taking its time) is
   * never taken over by another worker while this one is still on it.
   */
  private async renewLeases(): Promise<void> {
    const ids = CHANNELS.flatMap((channel) => [...this.lanes[channel].keys()]);
    if (ids.length === 0) return;
    try {
      await this.queue.renew(ids, this.clock.now() + this.leaseMs);
    } catch (err) {
      this.outage('renewing leases', err);
    }
  }

  /** Logs a database failure once, then at most every 30 s while it lasts. */
  private outage(what: string, err: unknown): void {
    const now = Date.now();
    if (now - this.lastOutageLog < 30_000) return;
    this.lastOutageLog = now;
    this.logger.error({ err }, `delivery worker: ${what} failed; retrying`);
  }

  /** Sends in flight on one channel's lane. */
  inFlight(channel: Channel): number {
    return this.lanes[channel].size;
  }

  /** New deliveries were enqueued: claim now instead of at the next poll. */
  wake(): void {
    for (const channel of CHANNELS) this.quietUntil[channel] = 0;
    this.nudge();
  }

  /** A slot freed or a settlement landed: look at the lanes again (those not known to be quiet). */
  private nudge(): void {
    this.woken = true;
    this.interruptSleep?.();
  }

  /** `channel` may have work due at `at` (a retry, a fallback this worker enqueued). */
  private dueOn(channel: Channel, at: number): void {
    this.quietUntil[channel] = Math.min(this.quietUntil[channel], at);
  }

  /**
   * Stops claiming, gives back the claims whose send has not started yet, and waits up to
   * `timeoutMs` for sends in flight. Resolves either way; claims still in flight after the timeout
   * are taken over by the next worker when their lease expires.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.running = false;
    if (this.renewal) clearInterval(this.renewal);
    this.renewal = null;
    this.epoch += 1;
    this.wake();
    // The loop's last round, and any claim still on its way from the queue (of the earlier epoch:
    // its jobs are given back), land first; then every send in the lanes is waited for.
    const settled = Promise.all([this.loopDone, Promise.allSettled([...this.claiming])]).then(() =>
      Promise.all(CHANNELS.flatMap((channel) => [...this.lanes[channel].values()])),
    );
    // A real timer, not the injected clock: this bounds shutdown in wall time, and it is cleared
    // so a clean stop does not hold the process open.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
    });
    const late = await Promise.race([settled.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) {
      this.logger.warn(
        { inFlight: CHANNELS.reduce((n, channel) => n + this.lanes[channel].size, 0) },
        'delivery worker stopped with sends in flight',
      );
    }
  }

  /** Claims one batch (up to the free slots), sends and settles it. Returns how many were claimed. */
  async runOnce(): Promise<number> {
    const batch = await this.claim();
    await Promise.all(batch);
    return batch.length;
  }

  /** Runs batches until nothing is due. For tests and one-shot tools. */
  async drain(): Promise<number> {
    let total = 0;
    for (let n = await this.runOnce(); n > 0; n = await this.runOnce()) total += n;
    return total;
  }

  private async loop(generation: number): Promise<void> {
    const current = () => this.running && this.generation === generation;
    while (current()) {
      this.woken = false;
      let delay = this.pollMs;
      for (const channel of CHANNELS) {
        // Claims are awaited: a stop() may have come during the last lane's.
        if (!current()) break;
        const busy = this.lanes[channel].size;
        const free = this.concurrency - busy;
        // Under load, claim a few at a time: a transaction per freed slot costs more than it
        // gains. A slot freeing wakes us, so the lane is looked at again soon.
        if (free < (busy === 0 ? 1 : this.claimBatch)) continue;
        // Another process sends on this channel: its limits are that process's to keep.
        if (this.options.lanes && !this.options.lanes.owns(channel)) continue;
        const quiet = this.quietUntil[channel] - this.clock.now();
        if (quiet > 0) {
          delay = Math.min(delay, quiet);
          continue;
        }
        try {
          const claimed = (await this.claimLane(channel)).length;
          // A full batch means more may be due: go round again once a slot frees (which wakes us).
          if (claimed < free) {
            const next = await this.queue.nextDueAt(channel);
            const now = this.clock.now();
            // Looked at again by the poll at the latest, as before: another process on the
            // database may enqueue without telling us.
            this.quietUntil[channel] = Math.min(next ?? Infinity, now + this.pollMs);
            if (next !== null) delay = Math.min(delay, Math.max(1, next - now));
          }
        } catch (err) {
          // One lane's failure (SQLITE_BUSY, the database away) does not hold up the others; it
          // is tried next round.
          this.outage(`claiming on ${channel}`, err);
        }
      }
      if (current() && !this.woken) await this.idle(delay);
      // Let waiting I/O (a Slack command to acknowledge) in before the next round of claims and
      // sends: a wake-up arrives in the microtask of a settled send, which would otherwise chain
      // straight into more synchronous work.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Sleeps `ms` unless `wake()` or a settlement comes first; then its timer goes too. */
  private idle(ms: number): Promise<void> {
    let wakeUp!: () => void;
    const woken = new Promise<void>((resolve) => (wakeUp = resolve));
    this.interruptSleep = wakeUp;
    // A clock that cannot drop its timer still ends the sleep at the wake-up.
    return Promise.race([woken, this.clock.sleep(ms, woken)]).finally(() => {
      if (this.interruptSleep === wakeUp) this.interruptSleep = null;
    });
  }

  /** Claims what fits in the free slots and starts each send; returns their settlements. */
  private async claim(): Promise<Promise<void>[]> {
    const started: Promise<void>[] = [];
    for (const channel of CHANNELS) started.push(...(await this.claimLane(channel)));
    return started;
  }

  /**
   * Claims what fits in one channel's free slots and starts each send. Lanes keep a channel that
   * waits on its rate limit (or hangs) from holding the slots the other channels need.
   */
  private claimLane(channel: Channel): Promise<Promise<void>[]> {
    const claim = this.claimLaneNow(channel);
    this.claiming.add(claim);
    const forget = () => this.claiming.delete(claim);
    claim.then(forget, forget);
    return claim;
  }

  private async claimLaneNow(channel: Channel): Promise<Promise<void>[]> {
    const lane = this.lanes[channel];
    const free = this.concurrency - lane.size;
    if (free <= 0) return [];
    const started: Promise<void>[] = [];
    // Taken before the claim: a stop() while the queue answers makes these jobs an earlier epoch's.
    const epoch = this.epoch;
    const jobs = await this.queue.claimDue(channel, this.clock.now(), free, this.leaseMs);
    for (const job of jobs) {
      // Our own claim outlived its lease (a hung send) and came back to us: sending again here
      // would duplicate it; the first send settles it.
      if (lane.has(job.delivery.id)) continue;
      const done = this.nextTurn()
        // Stopped while it waited for its turn: the database may be closing; hand it back.
        .then(() =>
          epoch === this.epoch ? this.process(job) : this.queue.release(job.delivery.id),
        )
        .catch((err: unknown) => {
          this.logger.error(
            { err, deliveryId: job.delivery.id },
            'delivery worker: settling failed',
          );
        })
        .finally(() => {
          lane.delete(job.delivery.id);
          this.nudge();
        });
      lane.set(job.delivery.id, done);
      started.push(done);
    }
    return started;
  }

  /**
   * Resolves on a later turn of the event loop than the previous call's. Starting a send is a
   * millisecond or two of synchronous work (rendering, the SDK's request pipeline); a fan-out's
   * first claims start 48 at once, and done in one go they would keep a Slack command waiting for
   * its acknowledgement that long. One per turn, with I/O polled in between, they do not.
   */
  private nextTurn(): Promise<void> {
    const turn = this.lastTurn.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    this.lastTurn = turn;
    return turn;
  }

  private async process(job: DeliveryJob): Promise<void> {
    const { channel } = job.delivery;
    const messenger = this.options.messengers[channel];
    try {
      if (!messenger) throw new DeliveryError('permanent', `channel ${channel} not configured`);
      const booked = this.clock.now();
      let wait = this.limiter.reserve(channel, messenger.limits, job, booked);
      // When this send's turn comes: it never leaves before, whatever a clock says on waking.
      let turn = booked + wait;
      // Held at the door (below): the window it waits for opens off the ticks (see `wakeAt`).
      let held = false;
      // When it leaves, as the limits recorded it.
      let leaving: number;
      for (;;) {
        while (wait > 0) {
          const pauses = this.limiter.pauses;
          const until = this.wakeAt(turn, held);
          this.options.onRateLimitWait?.(channel, until - this.clock.now());
          await this.sleepUntil(until);
          const now = this.clock.now();
          // A 429 answered while this send waited: its turn was booked before the server's
          // Retry-After, so it books again behind it instead of going into it.
          const paused =
            this.limiter.pauses !== pauses &&
            this.limiter.isPaused(channel, messenger.limits, job, now);
          wait = paused
            ? Math.max(1, this.limiter.reserve(channel, messenger.limits, job, now))
            : 0;
          if (paused) {
            // A turn booked by the limiter again: back on the ticks, as any other.
            turn = now + wait;
            held = false;
          }
        }
        // Its turn came late (a busy moment) and sends booked after it are leaving too: it waits
        // until the declared limits have room for it as it actually leaves.
        leaving = Math.max(this.clock.now(), turn);
        wait = this.limiter.admit(channel, messenger.limits, job, leaving);
        if (wait === 0) break;
        turn = leaving + wait;
        held = true;
      }
      // The lane moved to another replica while this send waited for its turn: that replica now
      // paces the channel, so the claim goes back to the queue for it rather than out beside it.
      if (this.options.lanes && !this.options.lanes.owns(channel)) {
        await this.persist(() => this.queue.release(job.delivery.id));
        return;
      }
      // Where the limits have it: moved when its request went out well after its turn.
      let recorded = leaving;
      await messenger.send(job, () => {
        const now = this.clock.now();
        if (now - recorded < LATE_DEPARTURE_MS) return;
        this.limiter.departedLate(channel, messenger.limits, job, recorded, now);
        recorded = now;
      });
    } catch (err) {
      const error = toDeliveryError(err);
      if (messenger && error.options.retryAfterMs !== undefined) {
        this.limiter.pause(
          channel,
          messenger.limits,
          job,
          this.clock.now() + error.options.retryAfterMs,
        );
      }
      await this.persist(() => this.settleFailure(job, error));
      return;
    }
    const sentAt = this.clock.now();
    await this.persist(() => this.queue.markSent(job.delivery.id, sentAt));
    this.logger.debug?.(
      { deliveryId: job.delivery.id, incident: job.event.incidentId, channel },
      'delivery sent',
    );
    this.report(job, 'sent');
  }

  /**
   * When a send waiting for `at` wakes: the first tick at or after it (see `tickMs`), or, when
   * `held` at the door, the first moment at or after it on a grid of {@link DOOR_GRID_MS}; `at`
   * itself with no ticks.
   *
   * A held send waits for a place in a platform's window, which opens at a moment of its own (30
   * in any 1,010 ms frees a place 1,010 ms after a departure, not on a tick). Rounded up to the
   * next tick, each full window would last up to a tick longer (30 in 1,100 ms on 100 ms ticks:
   * 91 % of Teams' rate, not 97 %). Waited for to the millisecond, the places that open a few
   * milliseconds apart (one tick's sends, each recorded as it was written) would each let one
   * send through on a timer of its own, and those sends, recorded apart, free their places apart
   * again a window later. On the grid, the places that open within it let their sends through
   * together.
   */
  private wakeAt(at: number, held: boolean): number {
    if (this.tickMs === 0) return at;
    const grid = held ? DOOR_GRID_MS : this.tickMs;
    return Math.ceil(at / grid) * grid;
  }

  /** Resolves at `tick`, a moment from `wakeAt`: every send waiting for it shares one timer. */
  private sleepUntil(tick: number): Promise<void> {
    const now = this.clock.now();
    if (this.tickMs === 0) return this.clock.sleep(tick - now);
    let timer = this.ticks.get(tick);
    if (!timer) {
      timer = this.clock.sleep(tick - now);
      this.ticks.set(tick, timer);
      void timer.then(() => this.ticks.delete(tick));
    }
    return timer;
  }

  /**
   * Writes a settlement, retrying while the database is away: a send that happened must be
   * recorded, or its lease would run out and another worker would send it again.
   */
  private async persist(write: () => Promise<void>): Promise<void> {
    const deadline = this.clock.now() + this.settleRetryMs;
    for (let wait = 100; ; wait = Math.min(wait * 2, 5_000)) {
      try {
        await write();
        return;
      } catch (err) {
        if (this.clock.now() + wait > deadline) throw err;
        this.outage('settling', err);
        await this.clock.sleep(wait);
      }
    }
  }

  private async settleFailure(job: DeliveryJob, error: DeliveryError): Promise<void> {
    const { id, channel, attempts, personId } = job.delivery;
    const now = this.clock.now();
    const log = {
      deliveryId: id,
      incident: job.event.incidentId,
      channel,
      attempts,
      kind: error.kind,
      err: error.message,
    };

    if (error.kind === 'transient' && attempts < this.maxAttempts) {
      const delay = retryDelay(attempts, {
        ...this.backoff,
        random: () => this.clock.random(),
        retryAfterMs: error.options.retryAfterMs,
      });
      await this.queue.scheduleRetry(id, now + delay, error.message);
      this.dueOn(channel, now + delay);
      this.logger.info({ ...log, retryInMs: delay }, 'delivery failed, will retry');
      this.report(job, 'retrying', error);
      return;
    }

    if (error.kind === 'permanent' && error.options.unreachable) {
      await this.queue.markUnreachable(personId, channel);
    }
    // A chat channel that gave up falls back to email; email itself has nowhere else to go.
    const chat = isChat(channel);
    const state = chat || error.kind === 'transient' ? 'failed' : 'undeliverable';
    const fallbackId = await this.queue.finish(id, {
      state,
      error: error.message,
      fallbackToEmail: chat,
      now,
    });
    if (fallbackId !== null) this.dueOn('email', now);
    // The queue ends a chat delivery `undeliverable` when the person has no email address.
    const outcome = chat && !job.person.email ? 'undeliverable' : state;
    this.logger.warn({ ...log, outcome, fallbackId }, 'delivery gave up');
    this.report(job, outcome, error, fallbackId ?? undefined);
  }

  private report(
    job: DeliveryJob,
    outcome: SettledEvent['outcome'],
    error?: DeliveryError,
    fallbackId?: number,
  ): void {
    const { onSettled } = this.options;
    if (!onSettled) return;
    try {
      onSettled({
        delivery: job.delivery,
        outcome,
        latencyMs: this.clock.now() - job.delivery.createdAt,
        ...(error && { error }),
        ...(fallbackId !== undefined && { fallbackId }),
      });
    } catch (err) {
      this.logger.error({ err }, 'delivery worker: onSettled threw');
    }
  }
}

/** Anything a messenger throws that is not classified is assumed transient: retrying is safer. */
function toDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  return new DeliveryError('transient', err instanceof Error ? err.message : String(err));
}
