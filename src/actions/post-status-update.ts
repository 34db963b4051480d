import { incidentFor } from '../access.js';
import type { Incident, Person, StatusUpdate } from '../domain/types.js';
import { emptySummary, fanOut, type FanOutSummary } from '../notify/fan-out.js';
import type { ActionContext } from './context.js';
import { openIncident } from './subscribe-to-incident.js';
import { MAX, longText, validate } from './validate.js';

export interface StatusUpdateInput {
  incidentId: number;
  text: string;
  /** "Send as update to stakeholders". */
  notifyStakeholders: boolean;
}

export interface StatusUpdateResult {
  incident: Incident;
  update: StatusUpdate;
  notified: FanOutSummary;
}

/**
 * Adds a status update to the timeline (responders and admins). Flagged "send as update to
 * stakeholders", it is sent to every current subscriber; otherwise it stays internal and notifies
 * no one.
 */
export async function postStatusUpdate(
  ctx: ActionContext,
  actor: Person,
  input: StatusUpdateInput,
): Promise<StatusUpdateResult> {
  const { store, clock } = ctx;
  const { incidentId, notifyStakeholders } = input;
  const text = validate(longText(MAX.text), input.text, 'text');
  const result = await store.transaction(async () => {
    await incidentFor(store, actor, incidentId, 'edit-incident');
    let incident = await openIncident(ctx, incidentId);
    const now = clock.now();
    const update = await store.updates.create(
      { incidentId, text, authorId: actor.id, notifyStakeholders },
      now,
    );
    let notified = emptySummary();
    if (notifyStakeholders) {
      incident = await store.incidents.update(incidentId, { lastStakeholderUpdateAt: now });
      const recipients = await store.people.reach(
        await store.subscriptions.recipientIds(incidentId),
      );
      notified = await fanOut(
        store,
        ctx.channels,
        { incident, kind: 'update', text, by: actor, now },
        recipients,
      );
    }
    await store.audit.record(
      {
        actorId: actor.id,
        action: notifyStakeholders ? 'incident.notified' : 'incident.updated',
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
