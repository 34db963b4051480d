import type { WebClient } from '@slack/web-api';
import type { ActionContext } from '../../src/actions/context.js';
import {
  identifySlackUser,
  personBySlackUser,
  type SlackProfile,
} from '../../src/actions/identify-person.js';
import type { Directory } from '../../src/domain/targets.js';
import type { Person } from '../../src/domain/types.js';
import { HeraldError, isHeraldError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { toSlackProfile } from './slack-user.js';

export interface SlackIdentityOptions {
  /**
   * The longest an actor's role and account state may go unconfirmed by Slack: a demotion or a
   * deactivation in Slack applies to the next request after this, even if `user_change` is lost.
   */
  authorizationMaxAgeMs: number;
  /** How long a target's profile (name, email) is used before it is refreshed in the background. */
  profileMaxAgeMs: number;
  /** How long an actor waits for Slack to confirm them before the known record acts. */
  refreshWaitMs: number;
  /** How long a user Herald has never met waits for `users.info` before the request is refused. */
  lookupTimeoutMs: number;
}

const DEFAULTS: SlackIdentityOptions = {
  authorizationMaxAgeMs: 2 * 60 * 1000,
  profileMaxAgeMs: 60 * 60 * 1000,
  // Modal submissions are answered within Slack's three seconds, after this wait.
  refreshWaitMs: 1_000,
  lookupTimeoutMs: 2_000,
};

const TIMED_OUT = Symbol('timed out');

/** What Slack last said about a user, and when it said it. */
interface Confirmation {
  at: number;
  deleted: boolean;
}

/**
 * Slack users as Herald people. `users.info` gives the email (linking to Teams and email
 * identities), the guest flag (stakeholder) and deactivation; the `user_change` event brings the
 * same news as it happens.
 *
 * An actor's role is at most `authorizationMaxAgeMs` old: past that, Slack is asked again before
 * the request is acted on. If Slack does not answer within `refreshWaitMs`, the known record acts
 * and the answer is applied when it arrives. Refusing instead would stop every responder whenever
 * Slack's Web API is slow — typically during an incident, when Herald is needed — while the gain
 * is small: the request itself came through Slack, which checks the session, and a deactivated
 * account has no session; the `user_change` event still applies at once.
 */
export class SlackIdentity {
  private readonly confirmed = new Map<string, Confirmation>();
  private readonly lookups = new Map<string, Promise<Person>>();
  private readonly opts: SlackIdentityOptions;

  constructor(
    private readonly client: WebClient,
    private readonly ctx: ActionContext,
    private readonly logger: Logger,
    opts: Partial<SlackIdentityOptions> = {},
  ) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  /** The profile Slack reports, or null for an unknown user. */
  async profile(userId: string): Promise<SlackProfile | null> {
    try {
      const res = await this.client.users.info({ user: userId });
      return res.user ? toSlackProfile(res.user) : null;
    } catch (err) {
      if ((err as { data?: { error?: string } }).data?.error === 'user_not_found') return null;
      throw err;
    }
  }

  /**
   * The person making a request, with a role Slack confirmed within `authorizationMaxAgeMs`
   * (see the class comment for when Slack is slow). A deactivated account is refused.
   */
  async actor(userId: string): Promise<Person> {
    const known = await personBySlackUser(this.ctx, userId);
    const person =
      known && this.age(userId) < this.opts.authorizationMaxAgeMs
        ? known
        : await this.confirm(userId, known);
    if (this.confirmed.get(userId)?.deleted) {
      throw new HeraldError('FORBIDDEN', 'Your Slack account is deactivated.');
    }
    return person;
  }

  /**
   * Someone named in a request (a modal's people picker). Someone Herald knows is answered at
   * once — a stale profile is refreshed in the background — so picking people never waits on
   * Slack; only a stranger waits for `users.info`.
   */
  async person(userId: string): Promise<Person> {
    const known = await personBySlackUser(this.ctx, userId);
    if (!known) return this.stranger(userId);
    if (this.age(userId) >= this.opts.profileMaxAgeMs) {
      void this.lookup(userId).catch(() => undefined);
    }
    return known;
  }

  /**
   * Slack users Herald has not met, looked up for the core when a command or form names them;
   * bounded like any stranger's lookup.
   */
  readonly directory: Directory = {
    profile: async (platform, userId) => {
      if (platform !== 'slack') return null;
      const profile = await this.within(this.profile(userId), this.opts.lookupTimeoutMs);
      if (profile === TIMED_OUT) {
        throw new HeraldError(
          'INVALID_INPUT',
          'Slack did not answer in time; nothing was changed. Please try again.',
        );
      }
      if (profile)
        this.confirmed.set(userId, { at: this.ctx.clock.now(), deleted: profile.deleted });
      return profile && { platform, ...profile };
    },
  };

  /**
   * A `user_change` event: Slack's news about a user, applied at once to someone Herald knows.
   * Nobody is created for the rest of the workspace. `eventTime` is the envelope's `event_time`
   * (seconds): a retry delivered late keeps it, so it cannot undo a newer answer.
   */
  async observe(user: unknown, eventTime: number): Promise<void> {
    const profile = toSlackProfile(user);
    if (!profile || profile.isBot) return;
    if (!(await personBySlackUser(this.ctx, profile.userId))) return;
    // `event_time` has whole seconds: the event happened at the latest at the end of that second.
    await this.apply(profile, Math.min(this.ctx.clock.now(), eventTime * 1000 + 999));
  }

  private age(userId: string): number {
    const c = this.confirmed.get(userId);
    return c === undefined ? Infinity : this.ctx.clock.now() - c.at;
  }

  private async confirm(userId: string, known: Person | null): Promise<Person> {
    if (!known) return this.stranger(userId);
    let answer: Person | typeof TIMED_OUT;
    try {
      answer = await this.within(this.lookup(userId), this.opts.refreshWaitMs);
    } catch (err) {
      // Slack's own answers (no such user, a bot) stand; a failed call is like a slow one.
      if (isHeraldError(err)) throw err;
      answer = TIMED_OUT;
    }
    if (answer !== TIMED_OUT) return answer;
    this.logger.warn(
      { user: userId, lastConfirmedMs: this.age(userId) },
      'slack: users.info did not answer in time; acting on the known record',
    );
    return known;
  }

  private async stranger(userId: string): Promise<Person> {
    const answer = await this.within(this.lookup(userId), this.opts.lookupTimeoutMs);
    if (answer !== TIMED_OUT) return answer;
    throw new HeraldError(
      'INVALID_INPUT',
      'Slack did not answer in time; nothing was changed. Please try again.',
    );
  }

  /** The lookup, or TIMED_OUT after `ms` on Herald's clock; the lookup itself runs on. */
  private within<T>(lookup: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
    return Promise.race([lookup, this.ctx.clock.sleep(ms).then((): typeof TIMED_OUT => TIMED_OUT)]);
  }

  /** `users.info`, applied when it answers; one at a time per user, however many requests wait. */
  private lookup(userId: string): Promise<Person> {
    const running = this.lookups.get(userId);
    if (running) return running;
    const asked = this.ctx.clock.now();
    const lookup = this.profile(userId)
      .then((profile) => {
        if (!profile) {
          throw new HeraldError('PERSON_NOT_FOUND', `Slack does not know the user ${userId}.`);
        }
        return this.apply(profile, asked);
      })
      .finally(() => this.lookups.delete(userId));
    this.lookups.set(userId, lookup);
    return lookup;
  }

  /** Records what Slack said at `at` and identifies the person, unless newer news is already in. */
  private async apply(profile: SlackProfile, at: number): Promise<Person> {
    const last = this.confirmed.get(profile.userId);
    const known = await personBySlackUser(this.ctx, profile.userId);
    if (last && last.at > at && known) return known;
    this.confirmed.set(profile.userId, { at, deleted: profile.deleted });
    return identifySlackUser(this.ctx, profile);
  }
}
