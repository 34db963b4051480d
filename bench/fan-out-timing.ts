import type { Executor } from '../db/executor.js';
import { declareIncident } from '../src/actions/declare-incident.js';
import { postStatusUpdate } from '../src/actions/post-status-update.js';
import { subscribeToIncident } from '../src/actions/subscribe-to-incident.js';
import type { Target } from '../src/domain/targets.js';
import { ADMIN_SLACK_ID, actionContext } from './seed.js';
import { median } from './stats.js';

export interface FanOutTiming {
  /** Deliveries one subscribe of every team writes. */
  deliveries: number;
  /** `subscribeToIncident` for all teams (one transaction: subscriptions + event + deliveries). */
  subscribeMs: number[];
  /** `postStatusUpdate` flagged for stakeholders, to the same subscribers. */
  updateMs: number[];
}

/**
 * Times the fan-out write in-process on `db` (a copy of the seeded database), calling the same
 * actions the commands call: no HTTP, no Bolt, no other process on the CPU, so the figure is the
 * outbox write alone. Each run declares a fresh incident, so every subscriber is new and gets a
 * delivery.
 */
export async function timeFanOut(
  db: Executor,
  teamNames: string[],
  runs: number,
): Promise<FanOutTiming> {
  const ctx = actionContext(db);
  const admin = await ctx.store.people.bySlackUserId(ADMIN_SLACK_ID);
  if (!admin) throw new Error('the seeded database has no admin');
  for (const name of teamNames) {
    if (!(await ctx.store.stakeholderTeams.byName(name))) throw new Error(`no team ${name}`);
  }
  const teams = teamNames.map((name): Target => ({ kind: 'team', name }));
  const result: FanOutTiming = { deliveries: 0, subscribeMs: [], updateMs: [] };
  for (let run = 0; run < runs; run += 1) {
    const { incident } = await declareIncident(ctx, admin, {
      title: `Fan-out timing ${run}`,
      source: 'slack',
    });
    let t0 = performance.now();
    const sub = await subscribeToIncident(ctx, admin, {
      incidentId: incident.id,
      targets: teams,
    });
    result.subscribeMs.push(performance.now() - t0);
    const { slack, teams: viaTeams, email } = sub.notified.byChannel;
    result.deliveries = slack + viaTeams + email;
    t0 = performance.now();
    await postStatusUpdate(ctx, admin, {
      incidentId: incident.id,
      text: 'Timing',
      notifyStakeholders: true,
    });
    result.updateMs.push(performance.now() - t0);
  }
  return result;
}

export const summarizeTiming = (t: FanOutTiming) => ({
  subscribeMedianMs: median(t.subscribeMs),
  subscribeMaxMs: Math.max(...t.subscribeMs),
  updateMedianMs: median(t.updateMs),
});
