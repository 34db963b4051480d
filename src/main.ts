/**
 * The composition root: the one file in `src/` that wires the database and the adapters to the core.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import type { Door, DoorFactory } from '../adapters/door.js';
import { createReminderDoor } from '../adapters/cron/index.js';
import { createEmailDoor } from '../adapters/email/index.js';
import { createIntakeDoor } from '../adapters/http/index.js';
import { HeraldMetrics } from '../adapters/http/metrics.js';
import { createHttpApp, finishHttpApp, listen } from '../adapters/http/server.js';
import { createSlackDoor } from '../adapters/slack/index.js';
import { createTeamsDoor } from '../adapters/teams/index.js';
import { createWebDoor } from '../adapters/web/index.js';
import { SqlDeliveryQueue } from '../db/delivery-queue.js';
import type { Executor } from '../db/executor.js';
import { openDatabase } from '../db/open.js';
import { createStore } from '../db/store.js';
import { bootstrapAdmins } from './actions/identify-person.js';
import { systemClock, type Clock } from './clock.js';
import type { CommandContext } from './commands/execute.js';
import { loadConfig, type Config } from './config.js';
import { LaneOwnership } from './delivery/lanes.js';
import { DeliveryWorker, type DeliveryWorkerOptions } from './delivery/worker.js';
import type { Messenger } from './delivery/ports.js';
import type { Channel } from './domain/types.js';
import type { Logger } from './logger.js';
import { heraldSecret } from './secret.js';
import { incidentLinker } from './stakeholder-link.js';

export interface Herald {
  server: Server;
  db: Executor;
  ctx: CommandContext;
  worker: DeliveryWorker;
  /** Stops accepting requests, lets in-flight deliveries finish (bounded), closes the database. */
  stop(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  logger?: Logger;
  /** Extra messengers (tests) for channels no door serves. */
  messengers?: Partial<Record<Channel, Messenger>>;
  /** Worker tuning (tests shorten backoff and leases). */
  worker?: Partial<Omit<DeliveryWorkerOptions, 'queue' | 'messengers' | 'clock'>>;
  /** The doors to open; by default every one Herald has (each decides from the config if it is on). */
  doors?: readonly DoorFactory[];
}

/** Every door Herald has, in mounting order. */
export const DOORS: readonly DoorFactory[] = [
  createSlackDoor,
  createTeamsDoor,
  createEmailDoor,
  createWebDoor,
  createIntakeDoor,
  createReminderDoor,
];

/** Where each adapter stands and, when off, what turns it on. */
function adapterStatus(config: Config): Array<{ adapter: string; on: boolean; enable: string }> {
  return [
    {
      adapter: 'slack',
      on: config.slack !== null,
      enable: 'SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN',
    },
    {
      adapter: 'teams',
      on: config.teams !== null,
      enable:
        'TEAMS_APP_ID and TEAMS_APP_PASSWORD (or TEAMS_ALLOW_UNAUTHENTICATED=true for local development)',
    },
    { adapter: 'email', on: config.email !== null, enable: 'SMTP_URL' },
    { adapter: 'intake API', on: config.intakeToken !== null, enable: 'INTAKE_TOKEN' },
  ];
}

/** Opens the database, wires the core to its doors and starts serving. */
export async function startHerald(config: Config, opts: StartOptions = {}): Promise<Herald> {
  const clock = opts.clock ?? systemClock;
  const logger: Logger = opts.logger ?? pino({ level: config.logLevel });
  const { db, migrated, where } = await openDatabase(config, (err) =>
    logger.warn({ err: err.message }, 'database: a pooled connection failed'),
  );
  if (migrated > 0) logger.info({ migrated }, `database: ${migrated} migrations applied`);
  // This process among others on the same database: names its leases and heartbeats.
  const replica = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const store = createStore(db);
  const secret = await heraldSecret(config.heraldSecret, store.settings);
  const incidentLink = incidentLinker(secret, config.publicUrl, () => clock.now());

  const messengers: Partial<Record<Channel, Messenger>> = { ...opts.messengers };
  const channels = new Set<Channel>();
  const queue = new SqlDeliveryQueue(db);
  const metrics = new HeraldMetrics(() => queue.counts());
  const lanes: LaneOwnership = new LaneOwnership(
    {
      leases: store.leases,
      replicas: store.replicas,
      holder: replica,
      clock,
      ttlMs: config.deliveryLeaseMs,
      logger,
      onAcquired: () => worker.wake(),
    },
    () => Object.keys(messengers) as Channel[],
    (channel): number => worker.inFlight(channel),
  );
  const worker: DeliveryWorker = new DeliveryWorker({
    queue,
    messengers,
    clock,
    logger,
    leaseMs: config.deliveryLeaseMs,
    lanes,
    onSettled: metrics.settled,
    onRateLimitWait: metrics.rateLimitWait,
    ...opts.worker,
  });
  const ctx: CommandContext = {
    store,
    clock,
    channels,
    admins: config.admins,
    responderPolicy: config.responderPolicy,
    replica,
    onQueued: () => {
      worker.wake();
      // Another process may own the lane: it hears of the work at once, not at its next poll.
      queue.announce().catch((err: unknown) => logger.warn({ err }, 'database: NOTIFY failed'));
    },
    observeCommand: metrics.command,
  };
  await bootstrapAdmins(ctx);

  const app = createHttpApp({ ready: () => db.ready(), logger });
  metrics.mount(app);
  const doors: Door[] = [];
  try {
    for (const factory of opts.doors ?? DOORS) {
      const door = await factory({ config, ctx, clock, logger, secret, incidentLink });
      if (!door) continue;
      doors.push(door);
      door.mount?.(app);
      if (door.messenger) messengers[door.messenger.channel] = door.messenger;
    }
  } catch (err) {
    await db.close();
    throw err;
  }
  // The channels that can reach anyone are those with a messenger, whatever door brought it.
  for (const channel of Object.keys(messengers) as Channel[]) channels.add(channel);
  finishHttpApp(app, logger);
  for (const s of adapterStatus(config)) {
    if (s.on) logger.info({ adapter: s.adapter }, `${s.adapter}: on`);
    else logger.info({ adapter: s.adapter }, `${s.adapter}: off — set ${s.enable} to turn it on`);
  }
  let server: Server;
  try {
    server = await listen(app, config.port, config.host);
  } catch (err) {
    await db.close();
    throw err;
  }
  const unlisten = await queue.listen(() => worker.wake());
  await lanes.start();
  worker.start();
  for (const door of doors) await door.start?.();
  const address = server.address();
  logger.info(
    {
      port: typeof address === 'object' && address ? address.port : config.port,
      database: where,
      replica,
    },
    'Herald is listening',
  );

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // In-flight sends finish first: the doors' transports are still open for them.
      await worker.stop(10_000);
      // The lanes go back at once: another replica need not wait out their leases.
      await lanes.stop();
      await unlisten();
      for (const door of doors) await door.stop?.();
      // Requests still open by now (a client holding a refused upload) are cut.
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      server.closeAllConnections();
      await closed;
      await db.close();
    })());
  return { server, db, ctx, worker, stop };
}

async function runFromCommandLine(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    console.error(`herald: ${(err as Error).message}`);
    process.exit(1);
  }
  let herald: Herald;
  try {
    herald = await startHerald(config);
  } catch (err) {
    console.error(`herald: ${(err as Error).message}`);
    process.exit(1);
  }
  const shutdown = (signal: string) => {
    console.error(`herald: ${signal} received, shutting down`);
    herald.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`herald: shutdown failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runFromCommandLine();
}
