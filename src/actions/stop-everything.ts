import type { Person } from '../domain/types.js';
import type { ActionContext } from './context.js';
import { leaveIncident } from './leave-incident.js';

/** Enough to leave every incident anyone follows; checked so a runaway list cannot loop. */
const MAX_FOLLOWED = 10_000;

export interface StopResult {
  /** How many incidents the person no longer hears about. */
  left: number;
  /** How many of their page sessions ended (this one included). */
  sessionsEnded: number;
}

/**
 * "Stop everything" on the stakeholder pages: the actor leaves every incident they follow, open
 * or resolved, directly or through a team (each the way `unsubscribe <id>` leaves one), and every
 * session of theirs ends — a lost phone keeps no page open. All or nothing. A responder who adds
 * them to a new incident later is heard again: that is a new decision.
 */
export async function stopEverything(ctx: ActionContext, actor: Person): Promise<StopResult> {
  const { store, clock } = ctx;
  return store.transaction(async () => {
    const followed = await store.incidents.listForPerson(actor.id, { limit: MAX_FOLLOWED });
    let left = 0;
    for (const incident of followed) {
      const r = await leaveIncident(ctx, actor, incident.id);
      if (r.people.length > 0) left += 1;
    }
    const sessionsEnded = await store.webSessions.deleteForPerson(actor.id);
    await store.audit.record(
      { actorId: actor.id, action: 'stakeholder.stopped', detail: { left, sessionsEnded } },
      clock.now(),
    );
    return { left, sessionsEnded };
  });
}
