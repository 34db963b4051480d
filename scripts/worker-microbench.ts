/**
 * The delivery engine's own CPU per delivery, without any platform client: the worker, the rate
 * limiter, the queue's claims and settlements and the SQLite executor, on a real database file,
 * sending through messengers that only wait a turn of I/O. Paced at the bench's ceilings (Slack
 * 50/s, Teams 30/s as its messenger declares it, email 100/s), so claims and `sent` writes come in
 * the small batches of a real fan-out rather than all at once.
 *
 *   node --import tsx scripts/worker-microbench.ts [deliveries per channel, default 500] [--unpaced]
 *     [--concurrency N, the worker's slots per lane, default the worker's]
 *     [--tick-ms N, the worker's grid of send times, default the worker's; 0 = a timer per send]
 *
 * Prints the process CPU (user + system) per delivery over the drain, split into the main thread
 * and the other threads, and the wall time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mainThreadCpuSecondsOf } from '../bench/processes.js';
import { openSqlite } from '../db/client.js';
import { SqlDeliveryQueue } from '../db/delivery-queue.js';
import { systemClock } from '../src/clock.js';
import { teamsLimits } from '../adapters/teams/direct-messenger.js';
import type { Messenger, RateLimit } from '../src/delivery/ports.js';
import { DeliveryWorker } from '../src/delivery/worker.js';
import { CHANNELS, type Channel } from '../src/domain/types.js';

const perChannel = Number(
  process.argv.find(
    (a, i) =>
      /^\d+$/.test(a) &&
      !['--concurrency', '--sent-batch-ms', '--tick-ms'].includes(process.argv[i - 1] ?? ''),
  ) ?? 500,
);
const paced = !process.argv.includes('--unpaced');
const concurrencyAt = process.argv.indexOf('--concurrency');
const concurrency = concurrencyAt > 0 ? Number(process.argv[concurrencyAt + 1]) : undefined;
const batchAt = process.argv.indexOf('--sent-batch-ms');
const sentBatchMs = batchAt > 0 ? Number(process.argv[batchAt + 1]) : undefined;
const tickAt = process.argv.indexOf('--tick-ms');
const tickMs = tickAt > 0 ? Number(process.argv[tickAt + 1]) : undefined;
const CEILING: Record<Channel, number> = { slack: 50, teams: 30, email: 100 };

const dir = mkdtempSync(join(tmpdir(), 'herald-worker-bench-'));
const db = openSqlite(join(dir, 'herald.db'));
try {
  const now = Date.now();
  db.sqlite.transaction(() => {
    const incident = db.sqlite
      .prepare(
        `INSERT INTO incidents (title, summary, severity, source, created_at)
         VALUES ('Checkout is down', 'Payments fail', 'SEV2', 'slack', ?)`,
      )
      .run(now).lastInsertRowid;
    const payload = {
      kind: 'update',
      incident: {
        id: Number(incident),
        title: 'Checkout is down',
        summary: 'Payments fail',
        severity: 'SEV2',
        service: 'checkout',
        status: 'open',
      },
      text: 'Rolling back the deploy.',
      at: now,
      by: 'Ada',
    };
    const event = db.sqlite
      .prepare(
        `INSERT INTO notification_events (incident_id, kind, payload, created_at)
         VALUES (?, 'update', ?, ?)`,
      )
      .run(incident, JSON.stringify(payload), now).lastInsertRowid;
    const person = db.sqlite.prepare(
      `INSERT INTO people (display_name, email, slack_user_id, teams_aad_id, created_at)
       VALUES (?, ?, ?, ?, 0)`,
    );
    const delivery = db.sqlite.prepare(
      `INSERT INTO deliveries (event_id, person_id, channel, state, attempts, next_attempt_at,
         created_at)
       VALUES (?, ?, ?, 'pending', 0, ?, ?)`,
    );
    for (let i = 0; i < perChannel; i++) {
      for (const channel of CHANNELS) {
        const id = person.run(
          `Stakeholder ${channel} ${i}`,
          `s${i}.${channel}@example.com`,
          `U${channel}${i}`,
          `aad-${channel}-${i}`,
        ).lastInsertRowid;
        delivery.run(event, id, channel, now, now);
      }
    }
  })();

  const messenger = (channel: Channel): Messenger => {
    // Teams as Herald declares it: a window per tenant (one here) and a bucket per conversation.
    const limits: RateLimit[] = !paced
      ? []
      : channel === 'teams'
        ? teamsLimits(
            (job) => `conversation:${job.person.id}`,
            () => 'tenant',
          )
        : [
            {
              name: 'all',
              ratePerSecond: CEILING[channel],
              burst: CEILING[channel],
              key: () => '',
            },
          ];
    // A turn of I/O, as a response from a loopback server would take at the least.
    return { channel, limits, send: () => new Promise((resolve) => setImmediate(resolve)) };
  };
  // Statements and transactions the engine asks for, counted by wrapping the executor's methods.
  const calls: Record<string, number> = {};
  for (const method of ['all', 'get', 'run', 'transaction'] as const) {
    const original = db[method].bind(db) as (...args: unknown[]) => unknown;
    (db as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      calls[method] = (calls[method] ?? 0) + 1;
      return original(...args);
    };
  }
  const queue = new SqlDeliveryQueue(db, sentBatchMs === undefined ? {} : { sentBatchMs });
  const claims = { calls: 0, empty: 0, jobs: 0 };
  const claimDue = queue.claimDue.bind(queue);
  queue.claimDue = async (...args) => {
    const jobs = await claimDue(...args);
    claims.calls += 1;
    claims.jobs += jobs.length;
    if (jobs.length === 0) claims.empty += 1;
    return jobs;
  };
  const total = perChannel * CHANNELS.length;
  // Counted as the worker settles them: polling the table for a count would be a scan of the
  // backlog every few milliseconds, measured as the engine's own cost.
  let sent = 0;
  const sentAt: Partial<Record<Channel, number[]>> = {};
  let allSent!: () => void;
  const done = new Promise<void>((resolve) => (allSent = resolve));
  const worker = new DeliveryWorker({
    onSettled: ({ outcome, delivery }) => {
      if (outcome !== 'sent') return;
      (sentAt[delivery.channel] ??= []).push(performance.now());
      if (++sent === total) allSent();
    },
    queue,
    messengers: { slack: messenger('slack'), teams: messenger('teams'), email: messenger('email') },
    clock: systemClock,
    ...(concurrency ? { concurrency } : {}),
    ...(tickMs === undefined ? {} : { tickMs }),
  });
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuSecondsOf(process.pid);
  const ru0 = process.resourceUsage();
  const t0 = performance.now();
  worker.start();
  await done;
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const main1 = mainThreadCpuSecondsOf(process.pid);
  const ru = process.resourceUsage();
  await worker.stop(5_000);
  const perDelivery = Object.entries(calls).map(([m, n]) => `${m} ${(n / total).toFixed(2)}`);
  console.log(`executor calls per delivery: ${perDelivery.join(', ')}`);
  console.log(
    `claims: ${claims.calls} (${claims.empty} empty), ${(claims.jobs / Math.max(1, claims.calls - claims.empty)).toFixed(1)} jobs per non-empty claim`,
  );
  const switches = (ru.voluntaryContextSwitches - ru0.voluntaryContextSwitches) / total;
  const forced = (ru.involuntaryContextSwitches - ru0.involuntaryContextSwitches) / total;
  // Each time the event loop blocks in epoll with nothing to do and wakes again is a voluntary
  // switch: the wake-ups per delivery, whose kernel and loop cost the profile shows as idle.
  console.log(
    `event-loop sleeps per delivery: ${switches.toFixed(2)} (involuntary ${forced.toFixed(2)})`,
  );
  const rates = CHANNELS.map((channel) => {
    const at = sentAt[channel] ?? [];
    const rate = ((at.length - 1) * 1000) / ((at.at(-1) ?? 0) - (at[0] ?? 0));
    return `${channel} ${rate.toFixed(1)}/s`;
  });
  console.log(`sustained rates, first to last send: ${rates.join(', ')}`);
  const usPer = (cpu.user + cpu.system) / total;
  console.log(
    `user ${(cpu.user / total).toFixed(0)} µs, system ${(cpu.system / total).toFixed(0)} µs per delivery`,
  );
  if (main0 !== null && main1 !== null) {
    // The event loop's share, and the rest: V8's compiler and collector threads, libuv's pool.
    const mainUs = ((main1 - main0) * 1e6) / total;
    console.log(
      `main thread ${mainUs.toFixed(0)} µs, other threads ${(usPer - mainUs).toFixed(0)} µs per delivery`,
    );
  }
  console.log(
    `${total} deliveries (${perChannel} per channel, ${paced ? 'paced at the bench ceilings' : 'unpaced'}): ` +
      `${usPer.toFixed(0)} µs CPU per delivery, ${(wallMs / 1000).toFixed(1)} s wall`,
  );
} finally {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}
