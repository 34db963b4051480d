/**
 * What the stakeholder pages show. Whoever opens them — stakeholder, responder or admin — sees the
 * stakeholder's view: only incidents they follow, only what was sent to stakeholders, never who
 * else follows. (Responders have Slack for the rest.)
 */
import type { Incident, IncidentStatus, Person, Severity } from '../domain/types.js';
import { notFound } from '../errors.js';
import type { ActionContext } from './context.js';

/** Resolved incidents stay on "My incidents" this long. */
export const RECENTLY_RESOLVED_MS = 14 * 24 * 60 * 60 * 1000;
/** More than any incident gets; a page has to end somewhere. */
const MAX_UPDATES = 500;
const MAX_LISTED = 50;

/** An incident as a stakeholder may see it: no declarer, source or external key. */
export interface StakeholderIncident {
  id: number;
  title: string;
  summary: string;
  severity: Severity;
  service: string | null;
  status: IncidentStatus;
  createdAt: number;
  resolvedAt: number | null;
  resolutionNote: string | null;
}

export interface StakeholderIncidentView {
  incident: StakeholderIncident;
  /** The updates sent to stakeholders, newest first: text and time, nothing else. */
  updates: Array<{ text: string; at: number }>;
}

const shown = (i: Incident): StakeholderIncident => ({
  id: i.id,
  title: i.title,
  summary: i.summary,
  severity: i.severity,
  service: i.service,
  status: i.status,
  createdAt: i.createdAt,
  resolvedAt: i.resolvedAt,
  resolutionNote: i.resolutionNote,
});

/**
 * One incident the actor follows. An incident they do not follow — whatever their role — reads
 * exactly like a number never used.
 */
export async function stakeholderIncident(
  ctx: ActionContext,
  actor: Person,
  incidentId: number,
): Promise<StakeholderIncidentView> {
  const { store } = ctx;
  const incident = await store.incidents.byId(incidentId);
  if (!incident || !(await store.subscriptions.isRecipient(incidentId, actor.id))) {
    throw notFound(incidentId);
  }
  const updates = await store.updates.list(incidentId, MAX_UPDATES, { stakeholderOnly: true });
  return {
    incident: shown(incident),
    updates: updates.map((u) => ({ text: u.text, at: u.createdAt })),
  };
}

export interface MyIncidents {
  /** Newest first. */
  open: StakeholderIncident[];
  /** Resolved within `RECENTLY_RESOLVED_MS`, newest first. */
  resolved: StakeholderIncident[];
}

/** The open and recently resolved incidents the actor follows (directly or through a team). */
export async function myIncidents(ctx: ActionContext, actor: Person): Promise<MyIncidents> {
  const { store, clock } = ctx;
  const since = clock.now() - RECENTLY_RESOLVED_MS;
  const open = await store.incidents.listForPerson(actor.id, { status: 'open', limit: MAX_LISTED });
  const resolved = await store.incidents.listForPerson(actor.id, {
    status: 'resolved',
    limit: MAX_LISTED,
  });
  return {
    open: open.map(shown),
    resolved: resolved.filter((i) => (i.resolvedAt ?? 0) >= since).map(shown),
  };
}
