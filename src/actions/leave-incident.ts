import type { Person } from '../domain/types.js';
import { notFound } from '../errors.js';
import type { ActionContext } from './context.js';
import { unsubscribeFromIncident, type UnsubscribeResult } from './unsubscribe-from-incident.js';

/**
 * The reader leaves one incident they follow, from the stakeholder pages: `unsubscribe <id>` for
 * themselves, but only on an incident they follow — whatever their role, any other reads like a
 * number never used, and nothing is written (a responder's `unsubscribe` would record an opt-out).
 */
export async function leaveIncident(
  ctx: ActionContext,
  actor: Person,
  incidentId: number,
): Promise<UnsubscribeResult> {
  return ctx.store.transaction(async () => {
    if (!(await ctx.store.subscriptions.isRecipient(incidentId, actor.id))) {
      throw notFound(incidentId);
    }
    return unsubscribeFromIncident(ctx, actor, {
      incidentId,
      targets: [{ kind: 'person', personId: actor.id }],
    });
  });
}
