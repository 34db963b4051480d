import type { WebClient } from '@slack/web-api';
import type { ActionContext } from '../../src/actions/context.js';
import {
  identifySlackUser,
  personBySlackUser,
  type SlackProfile,
} from '../../src/actions/identify-person.js';
import type { Directory } from '../../src/domain/targets.js';
import type { Person } from '../../src/domain/types.js';
import { HeraldError } from '../../src/errors.js';

interface SlackUser {
  id?: string;
  name?: string;
  real_name?: string;
  deleted?: boolean;
  is_bot?: boolean;
  is_app_user?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  profile?: { email?: string; display_name?: string; real_name?: string };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new HeraldError(
            'INVALID_INPUT',
            'Slack did not answer in time; nothing was changed. Please try again.',
          ),
        ),
      ms,
    );
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

const toProfile = (u: SlackUser, userId: string): SlackProfile => ({
  userId,
  displayName: u.profile?.display_name || u.real_name || u.profile?.real_name || u.name || userId,
  email: u.profile?.email ?? null,
  isGuest: Boolean(u.is_restricted || u.is_ultra_restricted),
  isBot: Boolean(u.is_bot || u.is_app_user) && userId !== 'USLACKBOT',
  deleted: Boolean(u.deleted),
});

/**
 * Slack users as Herald people: `users.info` gives the email (linking to Teams and email
 * identities) and the guest flag (stakeholder); answers are cached for `ttlMs`.
 */
export class SlackIdentity {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly client: WebClient,
    private readonly ctx: ActionContext,
    private readonly ttlMs = 60 * 60 * 1000,
    private readonly lookupTimeoutMs = 2_000,
  ) {}

  /** The profile Slack reports, or null for an unknown user. */
  async profile(userId: string): Promise<SlackProfile | null> {
    try {
      const res = await this.client.users.info({ user: userId });
      return res.user ? toProfile(res.user, userId) : null;
    } catch (err) {
      if ((err as { data?: { error?: string } }).data?.error === 'user_not_found') return null;
      throw err;
    }
  }

  /**
   * The person behind a Slack user id. Someone Herald knows is answered at once — a stale profile
   * is refreshed in the background — so a Slack hiccup never blocks a responder mid-incident and
   * a modal submission stays inside Slack's three seconds; only a stranger waits for `users.info`.
   */
  async person(userId: string): Promise<Person> {
    const known = await personBySlackUser(this.ctx, userId);
    if (known) {
      if (this.isStale(userId)) void this.refresh(userId).catch(() => undefined);
      return known;
    }
    return this.refresh(userId);
  }

  private isStale(userId: string): boolean {
    const fetchedAt = this.seen.get(userId);
    return fetchedAt === undefined || this.ctx.clock.now() - fetchedAt >= this.ttlMs;
  }

  private async refresh(userId: string): Promise<Person> {
    // Marked first: a burst of requests from one person starts one lookup, not many.
    this.seen.set(userId, this.ctx.clock.now());
    let profile: SlackProfile | null;
    try {
      profile = await withTimeout(this.profile(userId), this.lookupTimeoutMs);
    } catch (err) {
      this.seen.delete(userId);
      throw err;
    }
    if (!profile)
      throw new HeraldError('PERSON_NOT_FOUND', `Slack does not know the user ${userId}.`);
    return identifySlackUser(this.ctx, profile);
  }

  /** Slack users Herald has not met, looked up for the core when a command names them. */
  readonly directory: Directory = {
    profile: async (platform, userId) => {
      if (platform !== 'slack') return null;
      const profile = await withTimeout(this.profile(userId), this.lookupTimeoutMs);
      return profile && { platform, ...profile };
    },
  };
}
