import { randomBytes } from 'node:crypto';
import type { SlackRequests } from '../test/support/slack-requests.js';
import { requestsTo } from './ack.js';
import type { Cleanup } from './cleanup.js';
import { openBenchDatabase } from './database.js';
import { Ledger } from './emulators/ledger.js';
import { SlackEmulator } from './emulators/slack.js';
import { SmtpEmulator } from './emulators/smtp.js';
import { TeamsEmulator } from './emulators/teams.js';
import { timeFanOut, type FanOutTiming } from './fan-out-timing.js';
import type { OutboxReader } from './outbox.js';
import { buildHerald, Child, freePort, HERALD_ENTRY, heraldNodeArgs } from './processes.js';
import { ceilingsOf, type Profile } from './profiles.js';
import type { Seeded } from './seed.js';
import { calibrateSmtp } from './smtp-calibration.js';
import { median } from './stats.js';

const log = (msg: string) => console.error(`bench: ${msg}`);

/**
 * How long after a 429 a request on its limit still counts as sent before Herald could read the
 * 429 (not a violation): generous, as Herald, the emulators and the bench share two busy cores.
 */
const IN_FLIGHT_GRACE_MS = 250;
/** How late the emulators may read an arrival on those cores (see `LimitBook`). */
export const ARRIVAL_JITTER_MS = 25;

/** One Herald process and the signed requests that reach it. */
export interface Replica {
  herald: Child;
  requests: SlackRequests;
  /** The first reply Herald posted for one of these requests' commands. */
  reply(responseId: string, timeoutMs: number): Promise<string>;
}

export interface Stack {
  ledger: Ledger;
  slack: SlackEmulator;
  smtp: SmtpEmulator;
  outbox: OutboxReader;
  /** `SQLite`, `PostgreSQL 18.1`. */
  database: string;
  seeded: Seeded & { seedMs: number };
  fanOut: FanOutTiming;
  /** Messages per second the SMTP emulator takes from a bare pool of Herald's size. */
  smtpCalibrated: number;
  /** The command that runs each Herald (the compiled `npm start` entry, its flags and settings). */
  entry: string;
  bareRequests: SlackRequests;
  /** The Herald processes running now, one per replica (`profile.replicas`). */
  replicas: Replica[];
  /** Every Herald process started so far (a restart adds one). */
  heralds: Child[];
  /** Starts replica `slot`'s Herald on the seeded database (again, after a crash). */
  startHerald(slot: number): Promise<Replica>;
}

/**
 * Brings up everything the scenario talks to, in order: the emulators, the seeded database (and the
 * in-process fan-out timing on a copy of it), the bare Bolt reference and the Herald replicas. Each
 * piece is registered with `cleanup` as soon as it exists.
 */
export async function startStack(profile: Profile, cleanup: Cleanup): Promise<Stack> {
  const database = await openBenchDatabase(profile, cleanup);
  const ledger = new Ledger();
  const slack = await new SlackEmulator(ledger, {
    postMessagePerSecond: profile.slackPerSecond,
    inFlightGraceMs: IN_FLIGHT_GRACE_MS,
  }).start();
  cleanup.add(() => slack.stop());
  const teams = await new TeamsEmulator(ledger, {
    inFlightGraceMs: IN_FLIGHT_GRACE_MS,
    arrivalJitterMs: ARRIVAL_JITTER_MS,
  }).start();
  cleanup.add(() => teams.stop());
  const smtp = await new SmtpEmulator(ledger, profile.smtpLatencyMs).start();
  cleanup.add(() => smtp.stop());
  const smtpCalibrated = await calibrateSmtp(
    smtp.url,
    ledger,
    profile.name === 'full' ? 1000 : 200,
  );

  log(`seeding ${profile.people} people in ${profile.teams} teams (${database.label})`);
  const t0 = performance.now();
  const seeded = await database.seed(profile, teams.url, (c, t) => teams.register(c, t));
  const seedMs = performance.now() - t0;
  log(`seeded in ${(seedMs / 1000).toFixed(1)} s; timing the fan-out write in-process`);
  const fanOut = await database.withCopy((db) =>
    timeFanOut(db, seeded.teamNames, profile.fanOutRuns),
  );
  const { claims } = fanOut;
  log(
    `outbox write of ${fanOut.deliveries} deliveries: median ${median(fanOut.subscribeMs).toFixed(0)} ms; ` +
      `claims of ${claims.batch}: first ${median(claims.firstMs).toFixed(2)} ms, last ${median(claims.lastMs).toFixed(2)} ms (${claims.batches} claims)`,
  );

  const signingSecret = randomBytes(16).toString('hex');
  const bare = new Child('bare Bolt', 'bench/bare-bolt.ts', await freePort(), {
    SLACK_SIGNING_SECRET: signingSecret,
  });
  cleanup.add(() => bare.stop(5_000));

  const ceilings = ceilingsOf(profile);
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    ...database.env,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_API_URL: slack.apiUrl,
    TEAMS_ALLOW_UNAUTHENTICATED: 'true',
    SMTP_URL: smtp.url,
    // Herald's own pace matched to the emulators' ceilings.
    SLACK_MAX_PER_SECOND: String(ceilings.slack),
    SMTP_MAX_PER_SECOND: String(ceilings.email),
    HERALD_SECRET: randomBytes(16).toString('hex'),
    REMINDER_MINUTES: '0',
    LOG_LEVEL: 'warn',
    ...(profile.leaseMs ? { DELIVERY_LEASE_MS: String(profile.leaseMs) } : {}),
  };
  const heralds: Child[] = [];
  const replicas: Replica[] = [];
  const startHerald = async (slot: number) => {
    const name = profile.replicas > 1 ? `Herald ${slot}` : 'Herald';
    const herald = new Child(name, HERALD_ENTRY, await freePort(), env, heraldNodeArgs());
    // Response ids are counted per process: prefixed, so replies to two processes never mix.
    const tag = `h${heralds.push(herald)}`;
    cleanup.add(() => herald.stop());
    await herald.ready('/readyz', 30_000);
    return (replicas[slot] = {
      herald,
      requests: requestsTo(herald.url, signingSecret, slack.commandReplies(`${tag}-`)),
      reply: (id, timeoutMs) => slack.reply(`${tag}-${id}`, timeoutMs),
    });
  };
  await bare.ready('/slack/events', 30_000);
  const outbox = await database.openOutbox();
  log('building Herald (npm run build)');
  buildHerald();
  log(`starting ${profile.replicas} Herald process${profile.replicas > 1 ? 'es' : ''}`);
  await Promise.all(Array.from({ length: profile.replicas }, (_, slot) => startHerald(slot)));
  return {
    ledger,
    slack,
    smtp,
    outbox,
    database: database.label,
    seeded: { ...seeded, seedMs },
    fanOut,
    smtpCalibrated,
    entry: [
      `node ${heraldNodeArgs().join(' ')} ${HERALD_ENTRY}`.replace(/ +/g, ' '),
      ...(profile.leaseMs ? [`DELIVERY_LEASE_MS=${profile.leaseMs}`] : []),
    ].join(', '),
    bareRequests: requestsTo(bare.url, signingSecret, slack.commandReplies('bare-')),
    replicas,
    heralds,
    startHerald,
  };
}
