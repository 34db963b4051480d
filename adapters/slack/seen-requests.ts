import type { Clock } from '../../src/clock.js';

/**
 * What Herald has already acted on: signed requests (by signature) and Events API deliveries (by
 * event id). Async so a shared store can stand behind it: with several replicas behind one URL a
 * replay may reach another process, so the record would move into the shared database (an insert
 * that fails on a duplicate key, rows expiring like these) — this interface is the seam for that.
 */
export interface SeenRequests {
  /** Records `key`; true when this is its first sight within the retention, false for a repeat. */
  claim(key: string): Promise<boolean>;
}

export interface MemorySeenRequestsOptions {
  /** How long a key is remembered. */
  retentionMs: number;
  /** The most keys kept; past it the oldest is forgotten first. */
  maxKeys: number;
}

/**
 * One process's record, in memory: bounded in size and forgetting each key after the retention.
 * Keys are kept in insertion order and all live equally long, so the expired ones are always at
 * the front of the map.
 */
export class MemorySeenRequests implements SeenRequests {
  private readonly expiry = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly opts: MemorySeenRequestsOptions,
  ) {}

  claim(key: string): Promise<boolean> {
    const now = this.clock.now();
    this.forgetExpired(now);
    const until = this.expiry.get(key);
    if (until !== undefined && until > now) return Promise.resolve(false);
    // Only a flood of genuinely signed requests can fill it; forgetting the oldest then keeps
    // memory bounded at the cost of that one key's protection.
    if (this.expiry.size >= this.opts.maxKeys) {
      const oldest = this.expiry.keys().next();
      if (!oldest.done) this.expiry.delete(oldest.value);
    }
    // Deleted first so a key seen again goes to the back, keeping the map in expiry order.
    this.expiry.delete(key);
    this.expiry.set(key, now + this.opts.retentionMs);
    return Promise.resolve(true);
  }

  /** Keys remembered now (for tests and metrics). */
  get size(): number {
    return this.expiry.size;
  }

  private forgetExpired(now: number): void {
    for (const [key, until] of this.expiry) {
      if (until > now) return;
      this.expiry.delete(key);
    }
  }
}
