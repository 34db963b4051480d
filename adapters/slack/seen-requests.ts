import { firstSighting } from '../../src/actions/act-once.js';
import type { ActionContext } from '../../src/actions/context.js';

/**
 * What Herald has already acted on: signed requests (by signature) and Events API deliveries (by
 * event id), remembered in the database every Herald process shares, so a replay or a retry that
 * reaches another replica is recognised there too.
 */
export interface SeenRequests {
  /** Records `key`; true when this is its first sight within the retention, false for a repeat. */
  claim(key: string): Promise<boolean>;
}

/** The record in the shared store, each key kept for `retentionMs`. */
export const sharedSeenRequests = (ctx: ActionContext, retentionMs: number): SeenRequests => ({
  claim: (key) => firstSighting(ctx, key, retentionMs),
});
