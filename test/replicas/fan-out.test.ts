import type pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import type { Channel } from '../../src/domain/types.js';
import { freshPostgres } from '../support/fresh-postgres.js';
import {
  command,
  Fleet,
  heraldEnv,
  LANE_CONCURRENCY,
  laneHolders,
  lanesSpread,
  reconcile,
  seed,
  startEmulators,
  testPool,
  until,
  windows,
  type Emulators,
  type Replica,
} from './harness.js';

// PRODUCT §3, Replicas: any replica may receive any request, deliveries are claimed by one replica
// at a time, platform limits hold for the sum of the replicas, and a replica's death loses nothing.

/** A third each on Slack, Teams and email; one delivery each per event (team overlaps dedupe). */
const PEOPLE = 1_002;
const TEAMS = 10;
/** Two Teams tenants: 30 requests/s each. */
const TENANTS = 2;
/** Arrivals (of both events together) when the replica holding the Teams lane is SIGKILLed. */
const KILL_AT = 600;

const fleet = new Fleet();
let emulators: Emulators | undefined;
let db: pg.Pool | undefined;

afterEach(async () => {
  await fleet.killAll();
  await db?.end();
  db = undefined;
  await emulators?.stop();
  emulators = undefined;
});

it('three replicas, commands to each, one SIGKILLed mid-fan-out: every delivery arrives, duplicates within its claims in flight, the sum under every platform limit', async () => {
  const phases: Record<string, number> = {};
  let t = Date.now();
  const phase = (name: string) => {
    phases[name] = Date.now() - t;
    t = Date.now();
  };
  const url = await freshPostgres();
  const em = (emulators = await startEmulators());
  const seeded = await seed(url, em, PEOPLE, TEAMS, TENANTS);
  const pool = (db = testPool(url));
  phase('seedMs');
  const replicas = await fleet.start(
    ['r0', 'r1', 'r2'],
    heraldEnv(url, em),
    em.slack.commandReplies,
  );
  phase('startMs');
  const [r0, r1, r2] = replicas as [Replica, Replica, Replica];
  const killed = new Set<Replica>();
  const noneDied = () => {
    for (const r of replicas) {
      if (!r.alive && !killed.has(r)) throw new Error(`${r.name} died:\n${r.output()}`);
    }
  };
  // One lane each: Slack, Teams and email are sent by three different processes.
  await until(() => lanesSpread(pool, replicas), 'each replica to hold one lane', 30_000, noneDied);
  phase('lanesSpreadMs');

  // Each command to another replica.
  const declared = await command(r0, em, 'new Replicas: checkout is failing for some customers');
  const incident = Number(/#(\d+)/.exec(declared)?.[1]);
  expect(incident).toBeGreaterThan(0);
  const teams = seeded.teamNames.map((t) => `team:${t}`).join(' ');
  expect(await command(r1, em, `subscribe ${incident} ${teams}`)).toMatch(
    /^Subscribed 1,?002 people/,
  );
  expect(await command(r2, em, `notify ${incident} Rolled back the deploy.`)).toMatch(/notified/i);

  // The replica sending on Teams (the longest lane) dies once KILL_AT messages arrived, killed
  // from inside the emulators' arrival handler so the count at the kill is exact.
  const teamsLane = (await laneHolders(pool)).get('teams');
  const dying = replicas.find((r) => r.id === teamsLane);
  if (!dying) throw new Error('nobody holds the Teams lane');
  killed.add(dying);
  const kill: { crashed: Promise<void> | null } = { crashed: null };
  const killAt = () => {
    if (!kill.crashed && em.ledger.arrivals.length >= KILL_AT) kill.crashed = dying.crash();
  };
  const unwatch = em.ledger.onArrival(killAt);
  killAt();
  await until(() => kill.crashed !== null, `${KILL_AT} arrivals`, 60_000, noneDied);
  unwatch();
  await kill.crashed;
  const killedAt = performance.now();
  const arrivedAtKill = em.ledger.arrivals.length;

  // Its claims in flight: the `sending` rows on the lanes it held. Nobody else may claim there
  // until its lane lease runs out (its last renewal + DELIVERY_LEASE_MS), well after this read.
  const lanes = (
    await pool.query<{ name: string }>(
      `SELECT name FROM leases WHERE holder = $1 AND name LIKE 'lane:%'`,
      [dying.id],
    )
  ).rows.map((r) => r.name.slice('lane:'.length) as Channel);
  expect(lanes).toContain('teams');
  const inFlight = Number(
    (
      await pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM deliveries WHERE state = 'sending' AND channel = ANY($1)`,
        [lanes],
      )
    ).rows[0]?.n,
  );
  expect(inFlight).toBeLessThanOrEqual(LANE_CONCURRENCY * lanes.length);

  const waiting = async () =>
    Number(
      (
        await pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM deliveries WHERE state IN ('pending', 'sending', 'retrying')`,
        )
      ).rows[0]?.n,
    );
  await until(async () => (await waiting()) === 0, 'the fan-out to finish', 120_000, noneDied);
  phase('fanOutMs');

  const r = await reconcile(pool, em.ledger);
  const duplicates = r.duplicates.slack + r.duplicates.teams + r.duplicates.email;
  const seen = windows(em);
  console.log(
    JSON.stringify({
      deliveries: r.deliveries,
      byState: r.byState,
      killed: { replica: dying.name, lanes, arrivedAtKill, inFlight },
      duplicates: r.duplicates,
      refused: em.ledger.refused,
      windows: seen,
      phases,
    }),
  );
  expect(r.deliveries).toBe(2 * PEOPLE);
  expect(r.byState).toEqual({ sent: 2 * PEOPLE });
  expect(r.lost).toBe(0);
  expect(r.unexpected).toBe(0);
  expect(em.ledger.unparsed).toBe(0);
  // Only the dead replica's claims in flight can have gone out twice, and only on its lanes.
  expect(duplicates).toBeLessThanOrEqual(inFlight);
  for (const channel of ['slack', 'teams', 'email'] as const) {
    if (!lanes.includes(channel)) expect(r.duplicates[channel]).toBe(0);
  }
  // The replicas' sum never needed a 429 (or the relay's 451), and no platform's one-second
  // window held more than its limit allows.
  const refusals = em.teams.refusals.map((x) => ({ ...x, at: Math.round(x.at - killedAt) }));
  expect(em.ledger.refused, `Teams 429s (ms after the kill): ${JSON.stringify(refusals)}`).toEqual(
    {},
  );
  for (const [limit, w] of Object.entries(seen)) {
    expect(w.max, limit).toBeLessThanOrEqual(w.allowed);
  }
  // The survivors are still up and ready.
  for (const rep of replicas.filter((x) => x !== dying)) {
    expect(rep.alive).toBe(true);
    expect((await fetch(`${rep.url}/readyz`)).status).toBe(200);
  }
}, 180_000);
