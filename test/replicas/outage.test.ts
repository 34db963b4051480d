import type pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import {
  command,
  Fleet,
  heraldEnv,
  LANE_CONCURRENCY,
  lanesSpread,
  reconcile,
  seed,
  startEmulators,
  testPool,
  until,
  windows,
  type Emulators,
} from './harness.js';

// PRODUCT §3, Replicas: PostgreSQL going away for a while loses nothing. While it is unreachable
// every replica answers /healthz, fails /readyz and claims nothing; when it returns, they claim
// again and the fan-out completes.

const PEOPLE = 600;
const TEAMS = 6;
const TENANTS = 2;
/** Arrivals when PostgreSQL is stopped. */
const STOP_AT = 150;
const OUTAGE_MS = 10_000;

let server: PostgresServer | undefined;
const fleet = new Fleet();
let emulators: Emulators | undefined;
let db: pg.Pool | undefined;

beforeAll(async () => {
  // A server of this test's own: it is stopped and started again.
  server = await startPostgres();
}, 60_000);
afterEach(async () => {
  await fleet.killAll();
  await db?.end().catch(() => undefined);
  db = undefined;
  await emulators?.stop();
  emulators = undefined;
});
afterAll(async () => {
  await fleet.killAll();
  await server?.stop();
});

const status = async (url: string) => {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    return res.status;
  } catch (err) {
    return `no answer (${(err as Error).message})`;
  }
};

it('PostgreSQL stopped for 10 s mid-fan-out: /readyz fails and /healthz answers meanwhile, no claims, the fan-out completes after, 0 lost', async () => {
  const pgServer = server!;
  const url = await pgServer.createDatabase('herald');
  const em = (emulators = await startEmulators());
  await seed(url, em, PEOPLE, TEAMS, TENANTS);
  const pool = (db = testPool(url));
  const replicas = await fleet.start(
    ['r0', 'r1', 'r2'],
    heraldEnv(url, em),
    em.slack.commandReplies,
  );
  const noneDied = () => {
    for (const r of replicas) if (!r.alive) throw new Error(`${r.name} died:\n${r.output()}`);
  };
  await until(() => lanesSpread(pool, replicas), 'each replica to hold one lane', 30_000, noneDied);

  const [r0, r1] = replicas;
  const declared = await command(r0!, em, 'new Replicas: the database goes away');
  const incident = Number(/#(\d+)/.exec(declared)?.[1]);
  expect(incident).toBeGreaterThan(0);
  const teams = Array.from({ length: TEAMS }, (_, t) => `team:team-${String(t).padStart(2, '0')}`);
  expect(await command(r1!, em, `subscribe ${incident} ${teams.join(' ')}`)).toMatch(
    /^Subscribed 600 people/,
  );

  await until(() => em.ledger.arrivals.length >= STOP_AT, `${STOP_AT} arrivals`, 60_000, noneDied);
  await pool.end();
  db = undefined;
  const stoppedAt = Date.now();
  const arrivedAtStop = em.ledger.arrivals.length;
  await pgServer.pause();

  // While it is away: alive, not ready.
  for (const r of replicas) {
    noneDied();
    expect(await status(`${r.url}/healthz`), r.name).toBe(200);
    expect(await status(`${r.url}/readyz`), r.name).toBe(503);
  }
  await new Promise((resolve) =>
    setTimeout(resolve, Math.max(0, stoppedAt + OUTAGE_MS - Date.now())),
  );
  for (const r of replicas) {
    expect(await status(`${r.url}/healthz`), r.name).toBe(200);
    expect(await status(`${r.url}/readyz`), r.name).toBe(503);
  }
  noneDied();
  // Nothing can be claimed without the database: only claims made before it went can have
  // been sent meanwhile — at most a lane's concurrency on each of the three lanes.
  const arrivedDuring = em.ledger.arrivals.length - arrivedAtStop;
  expect(arrivedDuring).toBeLessThanOrEqual(3 * LANE_CONCURRENCY);
  const sentBeforeReturn = em.ledger.arrivals.length;
  expect(sentBeforeReturn).toBeLessThan(PEOPLE);
  await pgServer.resume();
  const resumedAt = performance.now();

  const back = (db = testPool(url));
  for (const r of replicas) {
    await until(
      async () => (await status(`${r.url}/readyz`)) === 200,
      `${r.name} ready`,
      30_000,
      noneDied,
    );
  }
  const waiting = async () =>
    Number(
      (
        await back.query<{ n: string }>(
          `SELECT count(*) AS n FROM deliveries WHERE state IN ('pending', 'sending', 'retrying')`,
        )
      ).rows[0]?.n,
    );
  await until(async () => (await waiting()) === 0, 'the fan-out to finish', 120_000, noneDied);

  const r = await reconcile(back, em.ledger);
  const duplicates = r.duplicates.slack + r.duplicates.teams + r.duplicates.email;
  const seen = windows(em);
  console.log(
    JSON.stringify({
      deliveries: r.deliveries,
      byState: r.byState,
      arrivedAtStop,
      arrivedDuring,
      arrivedAfter: em.ledger.arrivals.length - sentBeforeReturn,
      duplicates: r.duplicates,
      refused: em.ledger.refused,
      windows: seen,
    }),
  );
  expect(em.ledger.arrivals.length).toBeGreaterThan(sentBeforeReturn);
  expect(r.deliveries).toBe(PEOPLE);
  expect(r.byState).toEqual({ sent: PEOPLE });
  expect(r.lost).toBe(0);
  expect(r.unexpected).toBe(0);
  // Sends that went out while the database was away could not be marked sent then; each lane's
  // owner takes its lane back first (src/delivery/lanes.ts) and records them, so none goes twice.
  expect(duplicates).toBe(0);
  const refusals = em.teams.refusals.map((x) => ({ ...x, at: Math.round(x.at - resumedAt) }));
  expect(
    em.ledger.refused,
    `Teams 429s (ms after the restart): ${JSON.stringify(refusals)}`,
  ).toEqual({});
  for (const [limit, w] of Object.entries(seen)) {
    expect(w.max, limit).toBeLessThanOrEqual(w.allowed);
  }
  noneDied();
}, 180_000);
