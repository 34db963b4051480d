import { incidentFor } from '../access.js';
import type { Incident, Person } from '../domain/types.js';
import type { ActionContext } from './context.js';
import { MAX, optionalLongText, validate } from './validate.js';

/** Sets the stakeholder summary: plain words about the impact, shown in every stakeholder message. */
export function setSummary(
  ctx: ActionContext,
  actor: Person,
  incidentId: number,
  summary: string,
): Incident {
  const text = validate(optionalLongText(MAX.text), summary, 'summary');
  const { store, clock } = ctx;
  return store.transaction(() => {
    incidentFor(store, actor, incidentId, 'edit-incident');
    const incident = store.incidents.update(incidentId, { summary: text });
    store.audit.record({ actorId: actor.id, action: 'incident.summary', incidentId }, clock.now());
    return incident;
  });
}
