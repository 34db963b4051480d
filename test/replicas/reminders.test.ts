import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import { loadConfig } from '../../src/config.js';
import { runReminders } from '../../src/jobs/reminders.js';
import { silentLogger } from '../../src/logger.js';
import { startHerald, type Herald } from '../../src/main.js';
import { targets } from '../support/core.js';
import { eventually } from '../support/eventually.js';
import { FakeClock } from '../support/fake-clock.js';
import { freshPostgres } from '../support/fresh-postgres.js';
import { RecordingMessenger } from '../support/recording-messenger.js';

// PRODUCT §2 and §3: with several replicas, once-only work runs once — the declarer of a quiet
// incident gets one update reminder per window, not one per replica.
//
// The reminder door runs the job every wall-clock minute (node-cron) and REMINDER_MINUTES is in
// minutes: windows cannot pass in a test of seconds with child processes. So the three replicas
// are three `startHerald`s in this process, each with its own pool, worker, lanes and replica id
// on one PostgreSQL database, sharing a FakeClock; the test fires each replica's job as its cron
// would, all three at the same instant every minute.

const WINDOW = 5;
const MINUTE = 60_000;

const heralds: Herald[] = [];
afterEach(async () => {
  for (const h of heralds.splice(0)) await h.stop().catch(() => undefined);
});

it('three replicas, reminders on: the declarer gets one nudge per window, not three, also when the job holder stops', async () => {
  const url = await freshPostgres();
  const clock = new FakeClock();
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: url,
    REMINDER_MINUTES: String(WINDOW),
    HERALD_SECRET: 'replicas-reminders-secret',
    // Lanes and claims are leased in the FakeClock's time, which jumps a minute at a time: a
    // lease longer than the whole test keeps the lanes where they are.
    DELIVERY_LEASE_MS: '3600000',
  });
  const messengers = Array.from({ length: 3 }, () => ({
    slack: new RecordingMessenger('slack'),
    email: new RecordingMessenger('email'),
  }));
  // One after the other: the first takes both lanes, the others find none free.
  for (const m of messengers) {
    heralds.push(
      await startHerald(config, { clock, logger: silentLogger, doors: [], messengers: m }),
    );
  }
  const [h0, h1, h2] = heralds as [Herald, Herald, Herald];

  const { store } = h0.ctx;
  const rita = await store.people.create(
    { displayName: 'Rita', email: 'rita@corp.example', slackUserId: 'URITA', role: 'responder' },
    clock.now(),
  );
  const ann = await store.people.create(
    { displayName: 'Ann', email: 'ann@corp.example' },
    clock.now(),
  );
  const { incident } = await declareIncident(h0.ctx, rita, {
    title: 'Checkout errors',
    source: 'slack',
  });
  await subscribeToIncident(h2.ctx, rita, {
    incidentId: incident.id,
    targets: targets({ people: [ann] }),
  });

  // h1's job runs first, alone: it holds the job's lease from then on.
  expect((await runReminders(h1.ctx, clock.now(), WINDOW)).reminded).toEqual([]);

  const running = new Set<Herald>(heralds);
  /** Minute → the replicas that reminded in it. */
  const reminded = new Map<number, Herald[]>();
  for (let minute = 1; minute <= 3 * WINDOW + 1; minute += 1) {
    clock.advance(MINUTE);
    const runs = [...running];
    const results = await Promise.all(runs.map((h) => runReminders(h.ctx, clock.now(), WINDOW)));
    const by = runs.filter((_, i) => results[i]!.reminded.includes(incident.id));
    if (by.length > 0) reminded.set(minute, by);
    // The replica holding the job stops (a deploy, a crash) after the first reminder: the lease
    // passes to another once it runs out, and the windows go on as before.
    if (minute === WINDOW) {
      running.delete(h1);
      await h1.stop();
    }
  }

  expect([...reminded.keys()]).toEqual([WINDOW, 2 * WINDOW, 3 * WINDOW]);
  for (const [minute, by] of reminded) expect(by, `minute ${minute}`).toHaveLength(1);
  expect(reminded.get(WINDOW)).toEqual([h1]);

  // The nudges reach Rita: three in all, by Slack, whichever replica's worker sent them.
  const nudges = () =>
    messengers.flatMap((m) => m.slack.sent).filter((j) => j.event.payload.kind === 'reminder');
  await eventually(() => expect(nudges()).toHaveLength(3));
  expect(nudges().map((j) => j.person.id)).toEqual([rita.id, rita.id, rita.id]);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    // The job's lease passed from the stopped replica to one still running.
    const lease = await db.query<{ holder: string }>(
      `SELECT holder FROM leases WHERE name = 'job:reminders'`,
    );
    expect([h0.ctx.replica, h2.ctx.replica]).toContain(lease.rows[0]?.holder);
    const rows = await db.query<{ state: string; n: string }>(
      `SELECT d.state, count(*) AS n FROM deliveries d
         JOIN notification_events e ON e.id = d.event_id
        WHERE e.kind = 'reminder' GROUP BY d.state`,
    );
    expect(rows.rows.map((r) => [r.state, Number(r.n)])).toEqual([['sent', 3]]);
  } finally {
    await db.end();
  }
}, 60_000);
