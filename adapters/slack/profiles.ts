import { ErrorCode, type WebClient } from '@slack/web-api';
import type { ActionContext } from '../../src/actions/context.js';
import {
  forgetStaleProfiles,
  freshProfiles,
  rememberProfiles,
} from '../../src/actions/platform-profiles.js';
import type { SlackProfile } from '../../src/domain/targets.js';
import type { Logger } from '../../src/logger.js';
import { NOT_NEEDED, type SlackPacer } from './pacer.js';
import { toSlackProfile } from './slack-user.js';

/** What Slack said about a user, and when it was asked. */
export interface Fetched {
  profile: SlackProfile;
  at: number;
}

export interface SlackProfilesOptions {
  /** Profiles stored this recently are used as they are (by every replica). */
  maxAgeMs: number;
  /** More unknown users than this in one request are looked for in `users.list` first. */
  listAbove: number;
  /** Users per `users.list` page (Slack recommends no more than 200). */
  pageSize: number;
  /** Stored profiles nobody refreshed for this long are deleted after a complete listing. */
  forgetAfterMs: number;
}

export const PROFILE_DEFAULTS: SlackProfilesOptions = {
  maxAgeMs: 60 * 60 * 1000,
  listAbove: 5,
  pageSize: 200,
  forgetAfterMs: 24 * 60 * 60 * 1000,
};

const platformError = (err: unknown): string | undefined =>
  (err as { data?: { error?: unknown } } | null)?.data?.error as string | undefined;

/** The request failed on the way (no answer, a 5xx): sending it again may well work. */
const isTransient = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | null)?.code;
  return code === ErrorCode.RequestError || code === ErrorCode.HTTPError;
};

/** Sends of one look-up, at most, when the request fails on the way (patient callers only). */
const ATTEMPTS = 3;

/**
 * One walk through `users.list`, shared by the requests that want users from it while it runs.
 * It goes on while a user someone asked for is still missing, or while a page costs no wait (the
 * rest of a small workspace's directory is cached for the next request); it ends at the list's
 * end, on an error, or when nothing is missing and the next page would have to wait.
 */
class Listing {
  readonly seen = new Map<string, Fetched>();
  private readonly wanted = new Set<string>();
  ended = false;
  /** The next page has to wait for Slack's pace: waiting on the list no longer pays. */
  slow = false;
  private readonly watchers = new Set<() => void>();

  want(ids: readonly string[]): void {
    for (const id of ids) if (!this.seen.has(id)) this.wanted.add(id);
  }

  /** `id` no longer needs the list (found another way, or Slack does not know them). */
  drop(id: string): void {
    this.wanted.delete(id);
  }

  get missing(): boolean {
    return this.wanted.size > 0;
  }

  add(fetched: Fetched): void {
    this.seen.set(fetched.profile.userId, fetched);
    this.wanted.delete(fetched.profile.userId);
  }

  /** Resolves once `done()` holds, the listing is slow, or it ended. */
  until(done: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!(this.ended || this.slow || done())) return false;
        this.watchers.delete(check);
        resolve();
        return true;
      };
      if (!check()) this.watchers.add(check);
    });
  }

  changed(): void {
    for (const check of [...this.watchers]) check();
  }
}

/**
 * Slack users' profiles for the Slack door, in as few paced calls as it takes: the shared cache
 * first (profiles at most `maxAgeMs` old), then — for more than `listAbove` unknown users, or any
 * while a listing is under way — `users.list`, paged, caching every profile it sees; `users.info`
 * for whoever is still missing (a user from another organisation in a shared channel is in no
 * list), started as soon as the list has to wait for Slack, and skipped for anyone the list finds
 * first. Every call goes through the pacer, so no rate limit is ever the caller's error.
 */
export class SlackProfiles {
  private listing: Listing | null = null;
  /**
   * When the last listing that reached the list's end began: for `maxAgeMs` after it, every member
   * then is in the cache, so a user missing from it is looked up alone, without listing again.
   */
  private listedAllAt = -Infinity;
  /** After `users.list` failed (a missing scope): no listing before this. */
  private listUnavailableUntil = 0;
  readonly opts: SlackProfilesOptions;

  constructor(
    private readonly client: WebClient,
    private readonly pacer: SlackPacer,
    private readonly ctx: ActionContext,
    private readonly logger: Logger,
    opts: Partial<SlackProfilesOptions> = {},
  ) {
    this.opts = { ...PROFILE_DEFAULTS, ...opts };
  }

  /**
   * `users.info` now — not the cache — paced; null when Slack does not know the user. The answer
   * is cached.
   */
  async info(
    userId: string,
    opts: { urgent?: boolean; stillNeeded?: () => boolean } = {},
  ): Promise<Fetched | null | typeof NOT_NEEDED> {
    // When Slack was asked: after the wait for the pace, before the answer.
    let asked = this.ctx.clock.now();
    let answer;
    try {
      answer = await this.pacer.call(
        'users.info',
        () => {
          asked = this.ctx.clock.now();
          return this.client.users.info({ user: userId });
        },
        opts,
      );
    } catch (err) {
      if (platformError(err) === 'user_not_found') return null;
      throw err;
    }
    if (answer === NOT_NEEDED) return NOT_NEEDED;
    const profile = answer.user ? toSlackProfile(answer.user) : null;
    if (!profile) return null;
    await this.remember([profile], asked);
    return { profile, at: asked };
  }

  /** The stored profiles of these users at most `maxAgeMs` old, by user id. */
  async cached(userIds: readonly string[], maxAgeMs = this.opts.maxAgeMs) {
    const stored = await freshProfiles(this.ctx, 'slack', userIds, maxAgeMs);
    const out = new Map<string, Fetched>();
    for (const [id, { profile, fetchedAt }] of stored) {
      if (profile.platform === 'slack') out.set(id, { profile, at: fetchedAt });
    }
    return out;
  }

  /** What Slack said at `at`, kept for every replica; a failed write only costs a later lookup. */
  async remember(profiles: readonly SlackProfile[], at: number): Promise<void> {
    try {
      await rememberProfiles(
        this.ctx,
        profiles.map((p) => ({ platform: 'slack', ...p })),
        at,
      );
    } catch (err) {
      this.logger.warn({ err }, 'slack: could not cache profiles');
    }
  }

  /**
   * The profiles of these users, by user id; users Slack does not know are left out. Resolves
   * when every one is found or known to be unknown — however long Slack's pace takes — unless a
   * call fails for another reason than a rate limit.
   */
  async many(
    userIds: readonly string[],
    opts: { urgent?: boolean } = {},
  ): Promise<Map<string, Fetched>> {
    const found = await this.cached([...new Set(userIds)]);
    let missing = [...new Set(userIds)].filter((id) => !found.has(id));
    if (missing.length === 0) return found;
    const now = this.ctx.clock.now();
    const listedAll = now - this.listedAllAt < this.opts.maxAgeMs;
    if (listedAll) {
      // A listing may have ended since the cache was read: what it saw is cached now.
      for (const [id, fetched] of await this.cached(missing)) found.set(id, fetched);
      missing = missing.filter((id) => !found.has(id));
    }
    // A listing under way is joined however few are missing: its next page may well have them.
    const listing =
      (missing.length > this.opts.listAbove || (this.listing && !this.listing.ended)) &&
      !listedAll &&
      now >= this.listUnavailableUntil
        ? this.join(missing)
        : null;
    try {
      if (listing) await listing.until(() => missing.every((id) => listing.seen.has(id)));
      for (const id of missing) {
        const listed = listing?.seen.get(id);
        if (listed) {
          found.set(id, listed);
          continue;
        }
        const answer = await this.patiently(!opts.urgent, () =>
          this.info(id, { ...opts, stillNeeded: () => !listing?.seen.has(id) }),
        );
        const fetched = answer === NOT_NEEDED ? listing?.seen.get(id) : answer;
        if (fetched) found.set(id, fetched);
        listing?.drop(id);
      }
    } finally {
      // A request that failed or gave up no longer keeps the listing going.
      for (const id of missing) listing?.drop(id);
    }
    return found;
  }

  /** `lookup`, sent again (paced) when it fails on the way — for a caller who can wait. */
  private async patiently<T>(patient: boolean, lookup: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await lookup();
      } catch (err) {
        if (!patient || attempt >= ATTEMPTS || !isTransient(err)) throw err;
        this.logger.warn({ err: (err as Error).message, attempt }, 'slack: look-up failed; again');
      }
    }
  }

  /** The running listing with these users wanted too, or a new one. */
  private join(ids: readonly string[]): Listing {
    let listing = this.listing;
    if (!listing || listing.ended) {
      listing = this.listing = new Listing();
      void this.list(listing);
    }
    listing.want(ids);
    return listing;
  }

  private async list(listing: Listing): Promise<void> {
    const began = this.ctx.clock.now();
    let cursor: string | undefined;
    let complete = false;
    try {
      for (;;) {
        const free = this.pacer.waitMs('users.list') === 0;
        if (!free) {
          if (!listing.missing) break;
          listing.slow = true;
          listing.changed();
        }
        let asked = this.ctx.clock.now();
        const page = await this.pacer.call(
          'users.list',
          () => {
            asked = this.ctx.clock.now();
            return this.client.users.list({
              limit: this.opts.pageSize,
              ...(cursor ? { cursor } : {}),
            });
          },
          {
            stillNeeded: () => free || listing.missing,
            // Refused (the tier spent elsewhere): users.info need not wait for the pause.
            onRateLimited: () => {
              listing.slow = true;
              listing.changed();
            },
          },
        );
        if (page === NOT_NEEDED) break;
        const profiles = (page.members ?? []).flatMap((m) => toSlackProfile(m) ?? []);
        await this.remember(profiles, asked);
        for (const profile of profiles) listing.add({ profile, at: asked });
        listing.changed();
        cursor = page.response_metadata?.next_cursor || undefined;
        if (!cursor) {
          complete = true;
          break;
        }
      }
    } catch (err) {
      // Without users.list users are looked up one by one; when Slack refused it (a token without
      // the scope), it is not tried again for a while.
      if (platformError(err)) {
        this.listUnavailableUntil = this.ctx.clock.now() + this.opts.maxAgeMs;
      }
      this.logger.warn(
        { err: platformError(err) ?? (err as Error).message },
        'slack: users.list failed; looking users up one by one',
      );
    } finally {
      if (complete) this.listedAllAt = Math.max(this.listedAllAt, began);
      listing.ended = true;
      listing.changed();
      if (this.listing === listing) this.listing = null;
    }
    if (complete) {
      await forgetStaleProfiles(this.ctx, this.opts.forgetAfterMs).catch((err: unknown) =>
        this.logger.warn({ err }, 'slack: could not forget stale profiles'),
      );
    }
  }
}
