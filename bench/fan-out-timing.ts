import { SqlDeliveryQueue } from '../db/delivery-queue.js';
import type { Executor } from '../db/executor.js';
import { declareIncident } from '../src/actions/declare-incident.js';
import { postStatusUpdate } from '../src/actions/post-status-update.js';
import { subscribeToIncident } from '../src/actions/subscribe-to-incident.js';
import type { Target } from '../src/domain/targets.js';
import type { Channel } from '../src/domain/types.js';
import { LANE_CONCURRENCY } from './profiles.js';
import { ADMIN_SLACK_ID, actionContext } from './seed.js';
import { median } from './stats.js';

export interface FanOutTiming {
  /** Deliveries one subscribe of every team writes. */
  deliveries: number;
  /** `subscribeToIncident` for all teams (one transaction: subscriptions + event + deliveries). */
  subscribeMs: number[];
  /** `postStatusUpdate` flagged for stakeholders, to the same subscribers. */
  updateMs: number[];
  /** The first run's deliveries drained through the outbox's claims (see {@link drainClaims}). */
  claims: ClaimCost;
}

/** What one claim of a lane's batch costs as the backlog goes from full to empty. */
export interface ClaimCost {
  /** Deliveries due when the drain began. */
  backlog: number;
  /** Claims made (each of up to `batch`). */
  batches: number;
  batch: number;
  /** The first and the last `CLAIM_SAMPLES` claims' times, ms: full backlog, then nearly none. */
  firstMs: number[];
  lastMs: number[];
}

const CHANNELS: readonly Channel[] = ['slack', 'teams', 'email'];
const CLAIM_SAMPLES = 10;

/**
 * Claims every due delivery, the channels in turn and `LANE_CONCURRENCY` at a time as a busy lane
 * does, marking each claim sent as the worker would, and times each claim: whether a claim costs
 * the same with the whole fan-out due as with a handful left.
 */
async function drainClaims(db: Executor, backlog: number): Promise<ClaimCost> {
  const queue = new SqlDeliveryQueue(db);
  const times: number[] = [];
  const active = new Set(CHANNELS);
  while (active.size > 0) {
    for (const channel of [...active]) {
      const now = Date.now();
      const t0 = performance.now();
      const jobs = await queue.claimDue(channel, now, LANE_CONCURRENCY, 60_000);
      if (jobs.length === 0) {
        active.delete(channel);
        continue;
      }
      times.push(performance.now() - t0);
      await Promise.all(jobs.map((j) => queue.markSent(j.delivery.id, now)));
    }
  }
  return {
    backlog,
    batches: times.length,
    batch: LANE_CONCURRENCY,
    firstMs: times.slice(0, CLAIM_SAMPLES),
    lastMs: times.slice(-CLAIM_SAMPLES),
  };
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
  const result: FanOutTiming = {
    deliveries: 0,
    subscribeMs: [],
    updateMs: [],
    claims: { backlog: 0, batches: 0, batch: LANE_CONCURRENCY, firstMs: [], lastMs: [] },
  };
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
    // Once: the first run's fan-out is the backlog the claims drain (the later runs' find none).
    if (run === 0) result.claims = await drainClaims(db, result.deliveries);
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
