import { can, visibleIncident } from '../access.js';
import type { Person, StakeholderTeam } from '../domain/types.js';
import { forbidden, invalid } from '../errors.js';
import type { ActionContext } from './context.js';
import type { ResolvedTargets } from './resolve-targets.js';

export interface UnsubscribeResult {
  teams: StakeholderTeam[];
  /** People who no longer hear about the incident. */
  people: Person[];
  /** Named people who still hear about it through a subscribed team. */
  stillViaTeam: Person[];
}

/**
 * Removes subscriptions. Responders may remove anyone; a stakeholder only themselves, and then for
 * good: a team that covers them no longer reaches them for this incident. Nobody is notified.
 */
export function unsubscribeFromIncident(
  ctx: ActionContext,
  actor: Person,
  incidentId: number,
  targets: ResolvedTargets,
): UnsubscribeResult {
  if (targets.people.length === 0 && targets.teams.length === 0) {
    throw invalid('Name at least one person, team or email to unsubscribe.', 'targets');
  }
  const { store, clock } = ctx;
  return store.transaction(() => {
    visibleIncident(store, actor, incidentId);
    const selfOnly = targets.teams.length === 0 && targets.people.every((p) => p.id === actor.id);
    if (!can(actor, 'edit-incident') && !selfOnly) throw forbidden('unsubscribe other people');
    const now = clock.now();
    const teams = targets.teams.filter((t) => store.subscriptions.removeTeam(incidentId, t.id));
    const people = targets.people.filter((p) => {
      const wasRecipient = store.subscriptions.isRecipient(incidentId, p.id);
      store.subscriptions.removePerson(incidentId, p.id);
      // Someone leaving on their own stops hearing about it, whichever team covers them.
      if (p.id === actor.id) store.subscriptions.optOut(incidentId, p.id, now);
      return wasRecipient && !store.subscriptions.isRecipient(incidentId, p.id);
    });
    const stillViaTeam = targets.people.filter((p) =>
      store.subscriptions.isRecipient(incidentId, p.id),
    );
    store.audit.record(
      {
        actorId: actor.id,
        action: 'incident.unsubscribed',
        incidentId,
        detail: { people: people.map((p) => p.id), teams: teams.map((t) => t.name) },
      },
      now,
    );
    return { people, teams, stillViaTeam };
  });
}
