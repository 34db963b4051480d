import type { ActionContext } from './context.js';

/**
 * Whether `key` (a signed request, an event id) is seen here for the first time within
 * `retentionMs` — here meaning every Herald process on the database: a replay or a retry may
 * reach any replica behind the load balancer, and only one of them acts.
 */
export function firstSighting(
  ctx: ActionContext,
  key: string,
  retentionMs: number,
): Promise<boolean> {
  const now = ctx.clock.now();
  return ctx.store.once.claim(key, now, now + retentionMs);
}
