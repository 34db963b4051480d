import { can, visibleIncident } from '../access.js';
import type { Incident, Person, StakeholderTeam, StatusUpdate } from '../domain/types.js';
import type { ActionContext } from './context.js';

const LIST_LIMIT = 50;

/**
 * Incidents the actor may see: a responder every incident (open ones by default), a stakeholder
 * only those they are subscribed to.
 */
export function listIncidents(
  ctx: ActionContext,
  actor: Person,
  filter: { status?: 'open' | 'resolved' } = { status: 'open' },
): Incident[] {
  const query = { ...filter, limit: LIST_LIMIT };
  return can(actor, 'see-all-incidents')
    ? ctx.store.incidents.list(query)
    : ctx.store.incidents.listForPerson(actor.id, query);
}

export interface IncidentView {
  incident: Incident;
  /** Newest first. A stakeholder sees only the updates that were sent to stakeholders. */
  updates: StatusUpdate[];
  /** Responders only; `null` for stakeholders. */
  subscribers: { people: Person[]; teams: StakeholderTeam[]; recipients: number } | null;
}

/** One incident as the actor may see it; not subscribed reads exactly like never existed. */
export function showIncident(ctx: ActionContext, actor: Person, incidentId: number): IncidentView {
  const { store } = ctx;
  const incident = visibleIncident(store, actor, incidentId);
  const responder = can(actor, 'see-all-incidents');
  const updates = store.updates.list(incidentId, 20, { stakeholderOnly: !responder });
  if (!responder) return { incident, updates, subscribers: null };
  const subs = store.subscriptions.list(incidentId);
  const people = store.people.byIds(subs.flatMap((s) => (s.personId === null ? [] : [s.personId])));
  const teams = subs.flatMap((s) => {
    const team = s.teamId === null ? null : store.teams.byId(s.teamId);
    return team ? [team] : [];
  });
  return {
    incident,
    updates,
    subscribers: { people, teams, recipients: store.subscriptions.recipientIds(incidentId).length },
  };
}
