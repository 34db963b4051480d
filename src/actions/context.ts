import type { AdminRef } from '../config.js';
import type { Clock } from '../clock.js';
import type { Channel } from '../domain/types.js';
import type { Directory } from '../domain/targets.js';
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
   * This process among the Herald processes sharing the database: it names the leases of
   * once-at-a-time work (the reminder job). Default `local`.
   */
  replica?: string;
  /** Wakes the delivery worker once an action's deliveries are committed. */
  onQueued(): void;
  /**
   * The door's look-up of platform users Herald has not met, set per request by the door the
   * request came through. Without it, only people Herald knows can be named.
   */
  directory?: Directory;
}
