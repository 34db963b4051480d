import type { Person, StakeholderTeam } from '../domain/types.js';
import type { Platform, PlatformProfile, Target } from '../domain/targets.js';
import { HeraldError } from '../errors.js';
import type { ActionContext } from './context.js';
import { identifySlackUser, identifyTeamsUser, personByEmail } from './identify-person.js';

export interface ResolvedTargets {
  people: Person[];
  teams: StakeholderTeam[];
}

/** Profiles of platform users met through the directory, by `platform:userId`. */
export type MetUsers = ReadonlyMap<string, PlatformProfile>;

const userKey = (platform: string, userId: string) => `${platform}:${userId}`;

export const teamNotFound = (name: string) =>
  new HeraldError('TEAM_NOT_FOUND', `No stakeholder team named "${name}".`, 'team');

const unknownUser = (platform: string, userId: string) =>
  new HeraldError(
    'PERSON_NOT_FOUND',
    `Herald does not know the ${platform === 'slack' ? 'Slack' : 'Teams'} user ${userId}.`,
    'people',
  );

const knownUser = (ctx: ActionContext, platform: string, userId: string) =>
  platform === 'slack'
    ? ctx.store.people.bySlackUserId(userId)
    : ctx.store.people.byTeamsAadId(userId);

/**
 * Looks up, through the door's directory, the platform users among `targets` that Herald has not
 * met — all of one platform in one batch when the directory takes batches, so fifty mentions cost
 * the door a few calls, not fifty. Writes nothing and holds no transaction (it waits on the
 * platform): call it before the action's transaction and hand the result to {@link resolveTargets}.
 */
export async function meetTargets(
  ctx: ActionContext,
  targets: readonly Target[],
): Promise<MetUsers> {
  const strangers = new Map<Platform, Set<string>>();
  for (const t of targets) {
    if (t.kind !== 'user') continue;
    const ids = strangers.get(t.platform) ?? new Set<string>();
    if (ids.has(t.userId) || (await knownUser(ctx, t.platform, t.userId))) continue;
    strangers.set(t.platform, ids.add(t.userId));
  }
  const met = new Map<string, PlatformProfile>();
  const directory = ctx.directory;
  if (!directory) return met;
  for (const [platform, ids] of strangers) {
    if (directory.profiles) {
      const found = await directory.profiles(platform, [...ids]);
      for (const id of ids) {
        const profile = found.get(id);
        if (profile) met.set(userKey(platform, id), profile);
      }
    } else {
      for (const id of ids) {
        const profile = await directory.profile(platform, id);
        if (profile) met.set(userKey(platform, id), profile);
      }
    }
  }
  return met;
}

/**
 * Turns targets into people and teams, inside the action's transaction: a platform user met by
 * {@link meetTargets} and an email address Herald does not know become people now (so a command
 * that then fails leaves no one behind); unknown teams and users are errors.
 */
export async function resolveTargets(
  ctx: ActionContext,
  targets: readonly Target[],
  met: MetUsers = new Map(),
  opts: { createByEmail: boolean } = { createByEmail: true },
): Promise<ResolvedTargets> {
  const { store } = ctx;
  const people = new Map<number, Person>();
  const teams = new Map<number, StakeholderTeam>();
  for (const target of targets) {
    switch (target.kind) {
      case 'team': {
        const team = await store.stakeholderTeams.byName(target.name);
        if (!team) throw teamNotFound(target.name);
        teams.set(team.id, team);
        break;
      }
      case 'user': {
        const profile = met.get(userKey(target.platform, target.userId));
        const person =
          (await knownUser(ctx, target.platform, target.userId)) ??
          (profile?.platform === 'slack'
            ? await identifySlackUser(ctx, profile)
            : profile?.platform === 'teams'
              ? await identifyTeamsUser(ctx, profile)
              : null);
        if (!person) throw unknownUser(target.platform, target.userId);
        people.set(person.id, person);
        break;
      }
      case 'email': {
        const person = opts.createByEmail
          ? await personByEmail(ctx, target.email)
          : await store.people.byEmail(target.email);
        if (!person) {
          throw new HeraldError(
            'PERSON_NOT_FOUND',
            `No one with the address ${target.email}.`,
            'emails',
          );
        }
        people.set(person.id, person);
        break;
      }
      case 'person': {
        const person = await store.people.byId(target.personId);
        if (!person) throw new HeraldError('PERSON_NOT_FOUND', 'No such person.', 'people');
        people.set(person.id, person);
        break;
      }
    }
  }
  return { people: [...people.values()], teams: [...teams.values()] };
}

/**
 * Exactly one person, for commands about a single target (role, preferences): met and resolved
 * in one go. Creates an email-only person for an unknown address.
 */
export async function resolveOnePerson(ctx: ActionContext, target: Target): Promise<Person> {
  if (target.kind === 'team') {
    throw new HeraldError('INVALID_INPUT', 'Name a person here, not a team.', 'target');
  }
  const met = await meetTargets(ctx, [target]);
  const { people } = await ctx.store.transaction(() => resolveTargets(ctx, [target], met));
  const person = people[0];
  if (!person) throw new HeraldError('PERSON_NOT_FOUND', 'No such person.', 'target');
  return person;
}
