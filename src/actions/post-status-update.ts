import { incidentFor } from '../access.js';
import type { Incident, Person, StatusUpdate } from '../domain/types.js';
import { emptySummary, fanOut, type FanOutSummary } from '../notify/fan-out.js';
import type { ActionContext } from './context.js';
import { alreadyResolved } from './subscribe-to-incident.js';
import { MAX, longText, validate } from './validate.js';

/**
 * Adds a status update to the timeline. Flagged "send as update to stakeholders", it is sent to
 * every current subscriber; otherwise it stays internal and notifies no one.
 */
export function postStatusUpdate(
  ctx: ActionContext,
  actor: Person,
  incidentId: number,
  input: { text: string; notifyStakeholders: boolean },
): { incident: Incident; update: StatusUpdate; notified: FanOutSummary } {
  const text = validate(longText(MAX.text), input.text, 'text');
  const { store, clock } = ctx;
  const result = store.transaction(() => {
    let incident = incidentFor(store, actor, incidentId, 'edit-incident');
    if (incident.status === 'resolved') throw alreadyResolved(incidentId);
    const now = clock.now();
    const update = store.updates.create(
      { incidentId, text, authorId: actor.id, notifyStakeholders: input.notifyStakeholders },
      now,
    );
    let notified = emptySummary();
    if (input.notifyStakeholders) {
      incident = store.incidents.update(incidentId, { lastStakeholderUpdateAt: now });
      const recipients = store.people.byIds(store.subscriptions.recipientIds(incidentId));
      notified = fanOut(
        store,
        ctx.channels,
        { incident, kind: 'update', text, by: actor, now },
        recipients,
      );
    }
    store.audit.record(
      {
        actorId: actor.id,
        action: input.notifyStakeholders ? 'incident.notified' : 'incident.updated',
        incidentId,
        detail: { updateId: update.id, recipients: notified.people },
      },
      now,
    );
    return { incident, update, notified };
  });
  if (result.notified.eventId !== null) ctx.onQueued();
  return result;
}
