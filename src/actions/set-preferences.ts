import { requirePermission } from '../access.js';
import type { Channel, Person } from '../domain/types.js';
import { CHANNELS, reachOf } from '../domain/types.js';
import type { Target } from '../domain/targets.js';
import { HeraldError, invalid } from '../errors.js';
import { effectivePreferences, reaches } from '../notify/channels.js';
import type { ActionContext } from './context.js';
import { meetTargets, resolveTargets } from './resolve-targets.js';

export interface PreferencesView {
  person: Person;
  /** What Herald uses now: the explicit choice or the default. */
  channels: Channel[];
  explicit: boolean;
  /** Channels Herald can reach this person on today. */
  reachable: Channel[];
}

/** Is this target the actor themselves? Answered without looking anyone up. */
export const isSelf = (actor: Person, t: Target): boolean =>
  (t.kind === 'person' && t.personId === actor.id) ||
  (t.kind === 'user' && t.platform === 'slack' && t.userId === actor.slackUserId) ||
  (t.kind === 'user' && t.platform === 'teams' && t.userId === actor.teamsAadId) ||
  (t.kind === 'email' && t.email.toLowerCase() === actor.email?.toLowerCase());

const view = (ctx: ActionContext, person: Person): PreferencesView => ({
  person,
  channels: effectivePreferences(reachOf(person), ctx.channels),
  explicit: person.preferences !== null,
  reachable: CHANNELS.filter((c) => reaches(reachOf(person), c, ctx.channels)),
});

/**
 * Someone's own preferences need no permission; anyone else's need an admin, checked before the
 * target is looked up: a refusal says nothing about whether that person exists.
 */
async function subjectOf(
  ctx: ActionContext,
  actor: Person,
  target: Target | null | undefined,
): Promise<{ resolve: () => Promise<Person> }> {
  if (!target || isSelf(actor, target)) {
    return { resolve: async () => (await ctx.store.people.byId(actor.id)) ?? actor };
  }
  requirePermission(actor, 'others-preferences');
  if (target.kind === 'team') {
    throw new HeraldError('INVALID_INPUT', 'Name a person here, not a team.', 'target');
  }
  const met = await meetTargets(ctx, [target]);
  return {
    resolve: async () => {
      const [person] = (await resolveTargets(ctx, [target], met)).people;
      if (!person) throw new HeraldError('PERSON_NOT_FOUND', 'No such person.', 'target');
      return person;
    },
  };
}

/** A person's delivery preferences: their own, or anyone's for an admin. */
export async function getPreferences(
  ctx: ActionContext,
  actor: Person,
  target?: Target | null,
): Promise<PreferencesView> {
  const subject = await subjectOf(ctx, actor, target);
  return ctx.store.transaction(async () => view(ctx, await subject.resolve()));
}

/** Sets a non-empty channel set; `null` returns to the default. Their own, or anyone's for an admin. */
export async function setPreferences(
  ctx: ActionContext,
  actor: Person,
  input: { channels: readonly Channel[] | null; target?: Target | null },
): Promise<PreferencesView> {
  const { channels } = input;
  const subject = await subjectOf(ctx, actor, input.target);
  const chosen = channels === null ? null : CHANNELS.filter((c) => channels.includes(c));
  if (chosen?.length === 0)
    throw invalid('Choose at least one channel: slack, teams or email.', 'channels');
  const { store, clock } = ctx;
  return store.transaction(async () => {
    const target = await subject.resolve();
    const person = await store.people.update(target.id, { preferences: chosen });
    await store.audit.record(
      {
        actorId: actor.id,
        action: 'preferences.set',
        detail: { person: target.id, channels: chosen },
      },
      clock.now(),
    );
    return view(ctx, person);
  });
}
