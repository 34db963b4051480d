import { can, visibleIncident } from '../access.js';
import type { Incident, Person, StakeholderTeam, StatusUpdate } from '../domain/types.js';
import type { ActionContext } from './context.js';

const LIST_LIMIT = 50;

export interface IncidentList {
  incidents: Incident[];
  /** `all` for responders and admins; `mine` for a stakeholder: only those they follow. */
  scope: 'all' | 'mine';
}

/**
 * Incidents the actor may see: a responder every incident (open ones by default), a stakeholder
 * only those they are subscribed to.
 */
export async function listIncidents(
  ctx: ActionContext,
  actor: Person,
  filter: { status?: 'open' | 'resolved' } = { status: 'open' },
): Promise<IncidentList> {
  const query = { ...filter, limit: LIST_LIMIT };
  return can(actor, 'see-all-incidents')
    ? { incidents: await ctx.store.incidents.list(query), scope: 'all' }
    : { incidents: await ctx.store.incidents.listForPerson(actor.id, query), scope: 'mine' };
}

export interface IncidentView {
  incident: Incident;
  /** Newest first. A stakeholder sees only the updates that were sent to stakeholders. */
  updates: StatusUpdate[];
  /** Responders only; `null` for stakeholders. */
  subscribers: { people: Person[]; teams: StakeholderTeam[]; recipients: number } | null;
}

/** One incident as the actor may see it; not subscribed reads exactly like never existed. */
export async function showIncident(
  ctx: ActionContext,
  actor: Person,
  incidentId: number,
): Promise<IncidentView> {
  const { store } = ctx;
  const incident = await visibleIncident(store, actor, incidentId);
  const responder = can(actor, 'see-all-incidents');
  const updates = await store.updates.list(incidentId, 20, { stakeholderOnly: !responder });
  if (!responder) return { incident, updates, subscribers: null };
  const subs = await store.subscriptions.list(incidentId);
  const people = await store.people.byIds(
    subs.flatMap((s) => (s.personId === null ? [] : [s.personId])),
  );
  const teams: StakeholderTeam[] = [];
  for (const s of subs) {
    const team = s.teamId === null ? null : await store.stakeholderTeams.byId(s.teamId);
    if (team) teams.push(team);
  }
  return {
    incident,
    updates,
    subscribers: {
      people,
      teams,
      recipients: (await store.subscriptions.recipientIds(incidentId)).length,
    },
  };
}
