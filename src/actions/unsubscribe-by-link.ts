import type { Incident, Person } from '../domain/types.js';
import { isHeraldError } from '../errors.js';
import type { ActionContext } from './context.js';
import { unsubscribeFromIncident } from './unsubscribe-from-incident.js';

/** Who a verified unsubscribe link speaks for, and about which incident. */
export interface LinkSubject {
  personId: number;
  incidentId: number;
}

/**
 * The person and incident a verified link names, or null when either is gone. The signed link is
 * the authority here: it was sent to that person about that incident.
 */
export async function linkSubject(
  ctx: ActionContext,
  subject: LinkSubject,
): Promise<{ person: Person; incident: Incident } | null> {
  const person = await ctx.store.people.byId(subject.personId);
  const incident = await ctx.store.incidents.byId(subject.incidentId);
  return person && incident ? { person, incident } : null;
}

/**
 * Unsubscribes the link's person from its incident, as that person. `gone` when either no longer
 * exists; already unsubscribed is success too (a second click, a retried one-click POST).
 */
export async function unsubscribeByLink(
  ctx: ActionContext,
  subject: LinkSubject,
): Promise<{ outcome: 'done'; incident: Incident } | { outcome: 'gone' }> {
  const found = await linkSubject(ctx, subject);
  if (!found) return { outcome: 'gone' };
  const { person, incident } = found;
  try {
    await unsubscribeFromIncident(ctx, person, {
      incidentId: incident.id,
      targets: [{ kind: 'person', personId: person.id }],
    });
  } catch (err) {
    // A stakeholder no longer subscribed cannot see the incident: they are already where the
    // click wants them.
    if (!isHeraldError(err) || err.code !== 'INCIDENT_NOT_FOUND') throw err;
  }
  return { outcome: 'done', incident };
}
