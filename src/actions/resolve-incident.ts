import { incidentFor } from '../access.js';
import type { Incident, Person } from '../domain/types.js';
import { fanOut, type FanOutSummary } from '../notify/fan-out.js';
import type { ActionContext } from './context.js';
import { openIncident } from './subscribe-to-incident.js';
import { MAX, optionalLongText, validate } from './validate.js';

export interface ResolveInput {
  incidentId: number;
  note?: string | null;
}

/**
 * Resolves an open incident and tells every current subscriber, once (responders and admins).
 * Resolving twice is an error, not a second notification.
 */
export async function resolveIncident(
  ctx: ActionContext,
  actor: Person,
  input: ResolveInput,
): Promise<{ incident: Incident; notified: FanOutSummary }> {
  const { store, clock } = ctx;
  const { incidentId } = input;
  const note = validate(optionalLongText(MAX.text), input.note ?? '', 'note') || null;
  const result = await store.transaction(async () => {
    await incidentFor(store, actor, incidentId, 'edit-incident');
    await openIncident(ctx, incidentId);
    const now = clock.now();
    const incident = await store.incidents.update(incidentId, {
      status: 'resolved',
      resolvedAt: now,
      resolutionNote: note,
    });
    const recipients = await store.people.reach(await store.subscriptions.recipientIds(incidentId));
    const notified = await fanOut(
      store,
      ctx.channels,
      { incident, kind: 'resolved', text: note, by: actor, now },
      recipients,
    );
    await store.audit.record(
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
