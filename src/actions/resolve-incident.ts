import { incidentFor } from '../access.js';
import type { Incident, Person } from '../domain/types.js';
import { fanOut, type FanOutSummary } from '../notify/fan-out.js';
import type { ActionContext } from './context.js';
import { alreadyResolved } from './subscribe-to-incident.js';
import { MAX, optionalLongText, validate } from './validate.js';

/** Resolves an open incident and tells every current subscriber, once. Resolving twice is an error. */
export function resolveIncident(
  ctx: ActionContext,
  actor: Person,
  incidentId: number,
  rawNote: string | null,
): { incident: Incident; notified: FanOutSummary } {
  const note = validate(optionalLongText(MAX.text), rawNote ?? '', 'note') || null;
  const { store, clock } = ctx;
  const result = store.transaction(() => {
    const open = incidentFor(store, actor, incidentId, 'edit-incident');
    if (open.status === 'resolved') throw alreadyResolved(incidentId);
    const now = clock.now();
    const incident = store.incidents.update(incidentId, {
      status: 'resolved',
      resolvedAt: now,
      resolutionNote: note,
    });
    const recipients = store.people.byIds(store.subscriptions.recipientIds(incidentId));
    const notified = fanOut(
      store,
      ctx.channels,
      { incident, kind: 'resolved', text: note, by: actor, now },
      recipients,
    );
    store.audit.record(
      {
        actorId: actor.id,
        action: 'incident.resolved',
        incidentId,
        detail: { recipients: notified.people },
      },
      now,
    );
    return { incident, notified };
  });
  if (result.notified.eventId !== null) ctx.onQueued();
  return result;
}
