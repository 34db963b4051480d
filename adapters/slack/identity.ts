import type { WebClient } from '@slack/web-api';
import type { ActionContext } from '../../src/actions/context.js';
import {
  identifySlackUser,
  personBySlackUser,
  type SlackProfile,
} from '../../src/actions/identify-person.js';
import type { Directory, PlatformProfile } from '../../src/domain/targets.js';
import type { Person } from '../../src/domain/types.js';
import { HeraldError, isHeraldError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { NOT_NEEDED, SlackPacer } from './pacer.js';
import { SlackProfiles, type Fetched, type SlackProfilesOptions } from './profiles.js';
import { toSlackProfile } from './slack-user.js';

export interface SlackIdentityOptions {
  /**
   * The longest an actor's role and account state may go unconfirmed by Slack: a demotion or a
   * deactivation in Slack applies to the next request after this, even if `user_change` is lost.
   */
  authorizationMaxAgeMs: number;
  /**
   * How long a profile (name, email) is used before it is asked for again: a target's, from the
   * shared cache; a known person's, before it is refreshed in the background.
   */
  profileMaxAgeMs: number;
  /** How long an actor waits for Slack to confirm them before the known record acts. */
  refreshWaitMs: number;
  /**
   * How long a user Herald has never met waits for Slack before the request is refused — an actor,
   * or a person picked in a modal, whose submission must be answered within three seconds. A slash
   * command's targets wait as long as Slack's pace takes (the reply goes to `response_url`).
   */
  lookupTimeoutMs: number;
  /** More unknown targets than this in one request are looked for in `users.list` first. */
  listAbove: number;
  /** Users per `users.list` page. */
  pageSize: number;
}

const DEFAULTS: SlackIdentityOptions = {
  authorizationMaxAgeMs: 2 * 60 * 1000,
  profileMaxAgeMs: 60 * 60 * 1000,
  // Modal submissions are answered within Slack's three seconds, after this wait.
  refreshWaitMs: 1_000,
  lookupTimeoutMs: 2_000,
  listAbove: 5,
  pageSize: 200,
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
 * same news as it happens. Every Web API call goes through the door's one pacer (`pacer.ts`), and
 * every answer is kept in the shared profile cache (`profiles.ts`).
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
  /** Profiles from the cache, `users.list` and `users.info`, paced. */
  readonly profiles: SlackProfiles;

  constructor(
    client: WebClient,
    private readonly ctx: ActionContext,
    private readonly logger: Logger,
    opts: Partial<SlackIdentityOptions> & {
      /** The door's pacer, shared with anything else calling these methods; by default its own. */
      pacer?: SlackPacer;
      profiles?: Partial<SlackProfilesOptions>;
    } = {},
  ) {
    this.opts = { ...DEFAULTS, ...opts };
    const pacer = opts.pacer ?? new SlackPacer(ctx.clock, undefined, logger);
    this.profiles = new SlackProfiles(client, pacer, ctx, logger, {
      maxAgeMs: this.opts.profileMaxAgeMs,
      listAbove: this.opts.listAbove,
      pageSize: this.opts.pageSize,
      ...opts.profiles,
    });
    this.directory = this.slackDirectory(null);
    this.boundedDirectory = this.slackDirectory(this.opts.lookupTimeoutMs);
  }

  /** The profile Slack reports now (`users.info`, paced, ahead of bulk look-ups), or null. */
  async profile(userId: string): Promise<SlackProfile | null> {
    const fetched = await this.profiles.info(userId, { urgent: true });
    return fetched === NOT_NEEDED ? null : (fetched?.profile ?? null);
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
        : ((await this.confirmedElsewhere(userId)) ?? (await this.confirm(userId, known)));
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
   * Slack users Herald has not met, for a slash command: its reply goes through `response_url`,
   * so it waits as long as Slack's pace takes — fifty strangers cost a `users.list` page or two,
   * or, in a large workspace, tens of seconds of paced `users.info` — and never times out.
   */
  readonly directory: Directory;

  /**
   * The same for a modal, whose submission must be answered within Slack's three seconds: past
   * `lookupTimeoutMs` the submission is refused with a request to try again; the look-ups go on
   * and fill the cache, so the next try is quick.
   */
  readonly boundedDirectory: Directory;

  private slackDirectory(timeoutMs: number | null): Directory {
    const many = async (
      platform: PlatformProfile['platform'],
      userIds: readonly string[],
    ): Promise<Map<string, PlatformProfile>> => {
      const out = new Map<string, PlatformProfile>();
      if (platform !== 'slack') return out;
      const lookup = this.profiles.many(userIds, { urgent: timeoutMs !== null });
      const found = timeoutMs === null ? await lookup : await this.within(lookup, timeoutMs);
      if (found === TIMED_OUT) {
        lookup.catch(() => undefined);
        throw new HeraldError(
          'INVALID_INPUT',
          'Slack did not answer in time; nothing was changed. Please try again.',
        );
      }
      for (const [id, fetched] of found) {
        this.noteConfirmed(fetched);
        out.set(id, { platform, ...fetched.profile });
      }
      return out;
    };
    return {
      profile: async (platform, userId) => (await many(platform, [userId])).get(userId) ?? null,
      profiles: many,
    };
  }

  /**
   * A `user_change` event: Slack's news about a user, applied at once to someone Herald knows.
   * Nobody is created for the rest of the workspace. `eventTime` is the envelope's `event_time`
   * (seconds): a retry delivered late keeps it, so it cannot undo a newer answer.
   */
  async observe(user: unknown, eventTime: number): Promise<void> {
    const profile = toSlackProfile(user);
    if (!profile) return;
    // `event_time` has whole seconds: the event happened at the latest at the end of that second.
    const at = Math.min(this.ctx.clock.now(), eventTime * 1000 + 999);
    // The cache is Slack's news for everyone (a bot's profile too: it is refused when named).
    await this.profiles.remember([profile], at);
    if (profile.isBot) return;
    if (!(await personBySlackUser(this.ctx, profile.userId))) return;
    await this.apply(profile, at);
  }

  private age(userId: string): number {
    const c = this.confirmed.get(userId);
    return c === undefined ? Infinity : this.ctx.clock.now() - c.at;
  }

  /** A directory answer, as new as this process's own confirmation or newer: recorded as one. */
  private noteConfirmed({ profile, at }: Fetched): void {
    const last = this.confirmed.get(profile.userId);
    if (!last || last.at <= at) {
      this.confirmed.set(profile.userId, { at, deleted: profile.deleted });
    }
  }

  /**
   * The person as Slack described them within `authorizationMaxAgeMs` to any replica (the shared
   * cache: another replica's confirmation, a `users.list` page, a `user_change` event), applied
   * now; null when no answer is that recent. Saves a `users.info` per replica and request.
   */
  private async confirmedElsewhere(userId: string): Promise<Person | null> {
    const cached = (await this.profiles.cached([userId], this.opts.authorizationMaxAgeMs)).get(
      userId,
    );
    return cached ? this.apply(cached.profile, cached.at) : null;
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

  /**
   * `users.info` (paced, ahead of bulk look-ups), applied when it answers; one at a time per user,
   * however many requests wait.
   */
  private lookup(userId: string): Promise<Person> {
    const running = this.lookups.get(userId);
    if (running) return running;
    const lookup = this.profiles
      .info(userId, { urgent: true })
      .then((fetched) => {
        if (!fetched || fetched === NOT_NEEDED) {
          throw new HeraldError('PERSON_NOT_FOUND', `Slack does not know the user ${userId}.`);
        }
        return this.apply(fetched.profile, fetched.at);
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
