import { can, visibleIncident } from '../access.js';
import type { Person, StakeholderTeam } from '../domain/types.js';
import type { Target } from '../domain/targets.js';
import { forbidden, invalid } from '../errors.js';
import type { ActionContext } from './context.js';
import { resolveTargets } from './resolve-targets.js';

export interface UnsubscribeResult {
  teams: StakeholderTeam[];
  /** People who no longer hear about the incident. */
  people: Person[];
  /** Named people who still hear about it through a subscribed team. */
  stillViaTeam: Person[];
}

/**
 * Removes subscriptions. Responders may remove anyone; a stakeholder only themselves, and then for
 * good: a team that covers them no longer reaches them for this incident. Nobody is notified, and
 * no one is created (an unknown address cannot be subscribed anyway).
 */
export async function unsubscribeFromIncident(
  ctx: ActionContext,
  actor: Person,
  input: { incidentId: number; targets: readonly Target[] },
): Promise<UnsubscribeResult> {
  const { store, clock } = ctx;
  const { incidentId } = input;
  return store.transaction(async () => {
    await visibleIncident(store, actor, incidentId);
    if (input.targets.length === 0) {
      throw invalid('Name at least one person, team or email to unsubscribe.', 'targets');
    }
    const targets = await resolveTargets(ctx, input.targets, new Map(), { createByEmail: false });
    const selfOnly = targets.teams.length === 0 && targets.people.every((p) => p.id === actor.id);
    if (!can(actor, 'edit-incident') && !selfOnly) throw forbidden('unsubscribe other people');
    const now = clock.now();
    const teams: StakeholderTeam[] = [];
    for (const t of targets.teams) {
      if (await store.subscriptions.removeTeam(incidentId, t.id)) teams.push(t);
    }
    const people: Person[] = [];
    const stillViaTeam: Person[] = [];
    for (const p of targets.people) {
      const wasRecipient = await store.subscriptions.isRecipient(incidentId, p.id);
      await store.subscriptions.removePerson(incidentId, p.id);
      // Someone leaving on their own stops hearing about it, whichever team covers them.
      if (p.id === actor.id) await store.subscriptions.optOut(incidentId, p.id, now);
      const still = await store.subscriptions.isRecipient(incidentId, p.id);
      if (wasRecipient && !still) people.push(p);
      if (still) stillViaTeam.push(p);
    }
    await store.audit.record(
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
