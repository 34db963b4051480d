import { incidentFor } from '../access.js';
import type { Incident, Person } from '../domain/types.js';
import type { ActionContext } from './context.js';
import { MAX, optionalLongText, validate } from './validate.js';

/**
 * Sets the stakeholder summary: plain words about the impact, shown in every stakeholder message
 * (responders and admins).
 */
export async function setSummary(
  ctx: ActionContext,
  actor: Person,
  input: { incidentId: number; summary: string },
): Promise<Incident> {
  const { incidentId } = input;
  const text = validate(optionalLongText(MAX.text), input.summary, 'summary');
  const { store, clock } = ctx;
  return store.transaction(async () => {
    await incidentFor(store, actor, incidentId, 'edit-incident');
    const incident = await store.incidents.update(incidentId, { summary: text });
    await store.audit.record(
      { actorId: actor.id, action: 'incident.summary', incidentId },
      clock.now(),
    );
    return incident;
  });
}
