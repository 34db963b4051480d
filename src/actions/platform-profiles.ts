import type { Platform, PlatformProfile } from '../domain/targets.js';
import type { StoredProfile } from '../ports.js';
import type { ActionContext } from './context.js';

/**
 * What the platforms last said about their users, as the doors keep it in the shared database: a
 * door looks a user up once an hour, however many requests and replicas name them. Nothing here
 * identifies anyone: a profile becomes a person only when an action meets them.
 */

/** The stored profiles of these users that are at most `maxAgeMs` old, by user id. */
export async function freshProfiles(
  ctx: ActionContext,
  platform: Platform,
  userIds: readonly string[],
  maxAgeMs: number,
): Promise<Map<string, StoredProfile>> {
  if (userIds.length === 0) return new Map();
  const since = ctx.clock.now() - maxAgeMs;
  const stored = await ctx.store.platformProfiles.get(platform, userIds);
  return new Map([...stored].filter(([, s]) => s.fetchedAt > since));
}

/**
 * Keeps what a platform said about its users at `at` (by default now), unless it already said
 * something newer.
 */
export async function rememberProfiles(
  ctx: ActionContext,
  profiles: readonly PlatformProfile[],
  at: number = ctx.clock.now(),
): Promise<void> {
  if (profiles.length > 0) await ctx.store.platformProfiles.put(profiles, at);
}

/** Forgets profiles no one has refreshed for `ageMs`; resolves with how many. */
export function forgetStaleProfiles(ctx: ActionContext, ageMs: number): Promise<number> {
  return ctx.store.platformProfiles.prune(ctx.clock.now() - ageMs);
}
