import { requirePermission } from '../access.js';
import type { Channel, Person } from '../domain/types.js';
import { CHANNELS } from '../domain/types.js';
import { invalid } from '../errors.js';
import { effectivePreferences, reaches } from '../notify/channels.js';
import type { ActionContext } from './context.js';

export interface PreferencesView {
  person: Person;
  /** What Herald uses now: the explicit choice or the default. */
  channels: Channel[];
  explicit: boolean;
  /** Channels Herald can reach this person on today. */
  reachable: Channel[];
}

function authorize(actor: Person, target: Person): void {
  if (target.id !== actor.id) requirePermission(actor, 'others-preferences');
}

const view = (ctx: ActionContext, person: Person): PreferencesView => ({
  person,
  channels: effectivePreferences(person, ctx.channels),
  explicit: person.preferences !== null,
  reachable: CHANNELS.filter((c) => reaches(person, c, ctx.channels)),
});

/** A person's delivery preferences: their own, or anyone's for an admin. */
export function getPreferences(
  ctx: ActionContext,
  actor: Person,
  target: Person = actor,
): PreferencesView {
  authorize(actor, target);
  return view(ctx, ctx.store.people.byId(target.id) ?? target);
}

/** Sets a non-empty channel set; `null` returns to the default. */
export function setPreferences(
  ctx: ActionContext,
  actor: Person,
  channels: readonly Channel[] | null,
  target: Person = actor,
): PreferencesView {
  authorize(actor, target);
  const chosen = channels === null ? null : CHANNELS.filter((c) => channels.includes(c));
  if (chosen?.length === 0)
    throw invalid('Choose at least one channel: slack, teams or email.', 'channels');
  const { store, clock } = ctx;
  return store.transaction(() => {
    const person = store.people.update(target.id, { preferences: chosen });
    store.audit.record(
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
