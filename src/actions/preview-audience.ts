import { incidentFor } from '../access.js';
import type { Person } from '../domain/types.js';
import { planFor } from '../notify/channels.js';
import { summarize, type FanOutSummary } from '../notify/fan-out.js';
import type { ActionContext } from './context.js';

/** Who a stakeholder update would reach right now, by channel, without writing anything. */
export async function previewAudience(
  ctx: ActionContext,
  actor: Person,
  incidentId: number,
): Promise<FanOutSummary> {
  const { store } = ctx;
  await incidentFor(store, actor, incidentId, 'edit-incident');
  const people = await store.people.reach(await store.subscriptions.recipientIds(incidentId));
  return summarize(
    people.flatMap((p) => planFor(p, ctx.channels)),
    people.length,
  );
}
