import type { WebClient } from '@slack/web-api';
import type { ActionContext } from '../../src/actions/context.js';
import { identifySlackUser, type SlackProfile } from '../../src/actions/identify-person.js';
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

  /** The person behind a Slack user id, refreshed from Slack at most once per TTL. */
  async person(userId: string): Promise<Person> {
    const known = this.ctx.store.people.bySlackUserId(userId);
    const fetchedAt = this.seen.get(userId);
    if (known && fetchedAt !== undefined && this.ctx.clock.now() - fetchedAt < this.ttlMs)
      return known;
    const profile = await this.profile(userId);
    if (!profile) {
      if (known) return known;
      throw new HeraldError('PERSON_NOT_FOUND', `Slack does not know the user ${userId}.`);
    }
    const person = identifySlackUser(this.ctx, profile);
    this.seen.set(userId, this.ctx.clock.now());
    return person;
  }

  /** Every user id, met through Slack (modal multi-selects), as people. */
  people(userIds: readonly string[]): Promise<Person[]> {
    return Promise.all(userIds.map((id) => this.person(id)));
  }
}
