import type { AdminRef } from '../config.js';
import type { Clock } from '../clock.js';
import type { Channel } from '../domain/types.js';
import type { Store } from '../ports.js';

/** What every action needs, built once by the composition root. */
export interface ActionContext {
  store: Store;
  clock: Clock;
  /** Channels whose adapter is on; the others count as unreachable when planning deliveries. */
  channels: ReadonlySet<Channel>;
  admins: readonly AdminRef[];
  responderPolicy: 'members' | 'granted';
  /**
   * Wakes the delivery worker once an action queued deliveries. It may run inside an enclosing
   * transaction; the worker claims only after the current synchronous code, by when it committed.
   */
  onQueued(): void;
}
