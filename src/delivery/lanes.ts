import type { Clock } from '../clock.js';
import type { Channel } from '../domain/types.js';
import type { LeasesRepo, ReplicasRepo } from '../ports.js';
import type { WorkerLogger } from './worker.js';

export interface LaneOwnershipOptions {
  leases: LeasesRepo;
  replicas: ReplicasRepo;
  /** This process, as the leases and heartbeats name it. */
  holder: string;
  clock: Clock;
  /** How long a lane stays with its owner without renewal; renewed every quarter of it. */
  ttlMs: number;
  logger?: WorkerLogger;
  /** Lanes changed hands (this process took one): the worker should look again. */
  onAcquired?: () => void;
}

/**
 * Which delivery lanes — one per channel — this process sends on. A platform's limits (Slack's
 * workspace rate, Teams' 30/s per tenant, the SMTP relay's rate) hold for every Herald on the
 * database together only if one process at a time sends on that channel: each lane is a lease
 * in the database, renewed while held, taken over by another process once its owner stops
 * renewing (it died, or lost the database).
 *
 * Lanes are spread: with `n` processes alive (by heartbeat), each takes up to ⌈lanes ÷ n⌉ and
 * gives back, once it has no send in flight there, a lane beyond that share. A lane nobody has
 * taken for a whole renewal period is taken by anyone, whatever the share says — except by a
 * process just back from a database outage, which for a lease's time takes back only its own.
 *
 * `owns` is checked before every claim and says no a quarter of a lease before the lease ends, so
 * a process that can no longer renew (the database is away) stops claiming before another may
 * start.
 *
 * A lease of another's that runs out before the next round (its holder stopped renewing) gets a
 * round of its own a moment after its end, so a dead process's lanes are taken as soon as they
 * may be, not up to a quarter of a lease later.
 */
export class LaneOwnership {
  private readonly owned = new Map<Channel, number>();
  /** Lanes being given back: no new claims; released once their sends are done. */
  private readonly leaving = new Set<Channel>();
  /** Lanes seen free at the previous tick. */
  private freeBefore = new Set<Channel>();
  /** The last tick could not reach the database. */
  private cutOff = false;
  /** Back from an outage: no lane but our own is taken before this time (see `tick`). */
  private othersFirstUntil = 0;
  private timer: NodeJS.Timeout | null = null;
  /** The extra round at the end of another's lease, if one is due before the next. */
  private atExpiry: NodeJS.Timeout | null = null;
  private running = false;
  private ticking: Promise<void> = Promise.resolve();

  constructor(
    private readonly opts: LaneOwnershipOptions,
    private readonly channels: () => readonly Channel[],
    /** Sends in flight on a lane (a lane is given back only when none are). */
    private readonly busy: (channel: Channel) => number,
  ) {}

  /**
   * A quarter of a lease: a lane whose owner died is taken at most a quarter of a lease after its
   * lease ran out, so with the default 12 s its claims are out again within 15 s of the death.
   */
  private get renewEveryMs(): number {
    return Math.max(100, Math.floor(this.opts.ttlMs / 4));
  }

  /** True while this process may claim on `channel`. */
  owns(channel: Channel): boolean {
    const until = this.owned.get(channel);
    return (
      until !== undefined &&
      !this.leaving.has(channel) &&
      this.opts.clock.now() < until - this.renewEveryMs
    );
  }

  /** Takes its lanes now, then keeps them every quarter of a lease (a real timer). */
  async start(): Promise<void> {
    this.running = true;
    await this.tick();
    this.timer = setInterval(() => this.queueTick(), this.renewEveryMs);
    this.timer.unref();
  }

  private queueTick(): void {
    this.ticking = this.ticking.then(() => this.tick());
  }

  /** Stops renewing and gives every lane back, so another process takes them at once. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.clearAtExpiry();
    await this.ticking;
    const { leases, replicas, holder } = this.opts;
    for (const channel of [...this.owned.keys()]) {
      await leases.release(laneName(channel), holder).catch(() => undefined);
    }
    this.owned.clear();
    await replicas.leave(holder).catch(() => undefined);
  }

  /** Schedules a round just past the first of `ends` (others' leases) due before the next one. */
  private roundAtExpiry(ends: readonly number[]): void {
    if (!this.running) return;
    const wait = Math.min(...ends) + PAST_EXPIRY_MS - this.opts.clock.now();
    if (!(wait < this.renewEveryMs) || this.atExpiry !== null) return;
    this.atExpiry = setTimeout(
      () => {
        this.atExpiry = null;
        this.queueTick();
      },
      Math.max(0, wait),
    );
    this.atExpiry.unref();
  }

  private clearAtExpiry(): void {
    if (this.atExpiry) clearTimeout(this.atExpiry);
    this.atExpiry = null;
  }

  /** One round: heartbeat, renew, give back, take. Database errors wait for the next round. */
  async tick(): Promise<void> {
    const { leases, replicas, holder, clock, ttlMs, logger } = this.opts;
    try {
      const now = clock.now();
      const alive = await replicas.heartbeat(holder, now, ttlMs);
      if (this.cutOff) {
        // Back from a database outage. Every lease ran out meanwhile and every heartbeat looks
        // stale, so each lane would look abandoned and the first process back would take them
        // all — and send again what their owners sent while the database was away, which only
        // the owners know. They get a lease's time to take their own lanes back first.
        this.cutOff = false;
        this.othersFirstUntil = now + ttlMs;
      }
      const lanes = this.channels();
      const share = Math.ceil(lanes.length / Math.max(1, alive.length));
      for (const channel of [...this.owned.keys()]) {
        if (this.leaving.has(channel) && this.busy(channel) === 0) {
          await leases.release(laneName(channel), holder);
          this.owned.delete(channel);
          this.leaving.delete(channel);
          logger?.info({ channel, holder }, 'delivery lane given back');
          continue;
        }
        if (await leases.acquire(laneName(channel), holder, now, ttlMs)) {
          this.owned.set(channel, now + ttlMs);
        } else {
          this.owned.delete(channel);
          this.leaving.delete(channel);
          logger?.warn({ channel, holder }, 'delivery lane lost to another process');
        }
      }
      const kept = [...this.owned.keys()].filter((c) => !this.leaving.has(c));
      // Beyond the share: give back the last-taken lanes once they are idle.
      for (const channel of kept.slice(share)) this.leaving.add(channel);
      const held = await leases.held(LANE_PREFIX, now);
      const taken = new Set(held.map((l) => l.name));
      const free = lanes.filter((c) => !this.owned.has(c) && !taken.has(laneName(c)));
      let mine = kept.length;
      let acquired = false;
      for (const channel of now < this.othersFirstUntil ? [] : rotate(free, holder)) {
        const abandoned = this.freeBefore.has(channel);
        if (mine >= share && !abandoned) continue;
        if (await leases.acquire(laneName(channel), holder, now, ttlMs)) {
          this.owned.set(channel, now + ttlMs);
          mine += 1;
          acquired = true;
          logger?.info({ channel, holder }, 'delivery lane taken');
        }
      }
      this.freeBefore = new Set(free.filter((c) => !this.owned.has(c)));
      this.roundAtExpiry(held.filter((l) => l.holder !== holder).map((l) => l.expiresAt));
      if (acquired) this.opts.onAcquired?.();
    } catch (err) {
      this.cutOff = true;
      logger?.warn({ err }, 'delivery lanes: could not reach the database; trying again');
    }
  }
}

const LANE_PREFIX = 'lane:';
/**
 * How long after another's lease ends its extra round runs: past the end, so the lease and its
 * holder's heartbeat (recorded at the same moment) both read as run out.
 */
const PAST_EXPIRY_MS = 5;
const laneName = (channel: Channel) => `${LANE_PREFIX}${channel}`;

/** The free lanes in an order that differs between processes, so they reach for different ones. */
function rotate<T>(items: readonly T[], seed: string): T[] {
  if (items.length === 0) return [];
  let hash = 0;
  for (const ch of seed) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  const k = hash % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
