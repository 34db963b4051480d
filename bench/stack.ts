import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SlackRequests } from '../test/support/slack-requests.js';
import { requestsTo } from './ack.js';
import type { Cleanup } from './cleanup.js';
import { Ledger } from './emulators/ledger.js';
import { SlackEmulator } from './emulators/slack.js';
import { SmtpEmulator } from './emulators/smtp.js';
import { TeamsEmulator } from './emulators/teams.js';
import { timeFanOut, type FanOutTiming } from './fan-out-timing.js';
import { OutboxReader } from './outbox.js';
import { Child, freePort, HERALD_ENTRY, heraldNodeArgs } from './processes.js';
import { ceilingsOf, type Profile } from './profiles.js';
import { seedDatabase, type Seeded } from './seed.js';
import { calibrateSmtp } from './smtp-calibration.js';

const log = (msg: string) => console.error(`bench: ${msg}`);

export interface Stack {
  ledger: Ledger;
  slack: SlackEmulator;
  outbox: OutboxReader;
  seeded: Seeded & { seedMs: number };
  fanOut: FanOutTiming;
  /** Messages per second the SMTP emulator takes from a bare pool of Herald's size. */
  smtpCalibrated: number;
  /** What runs Herald: `src/main.ts`, or the bench's entry and why. */
  entry: string;
  bareRequests: SlackRequests;
  /** Every Herald process started so far (a restart adds one). */
  heralds: Child[];
  /** Starts Herald on the seeded database (again, after a crash). */
  startHerald(): Promise<{ herald: Child; requests: SlackRequests }>;
}

/**
 * Brings up everything the scenario talks to, in order: the emulators, the seeded database (and the
 * in-process fan-out timing on a copy of it), the bare Bolt reference and Herald. Each piece is
 * registered with `cleanup` as soon as it exists.
 */
export async function startStack(profile: Profile, cleanup: Cleanup): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  const dbPath = join(dir, 'herald.db');
  const ledger = new Ledger();
  const slack = await new SlackEmulator(ledger, {
    postMessagePerSecond: profile.slackPerSecond,
  }).start();
  cleanup.add(() => slack.stop());
  const teams = await new TeamsEmulator(ledger).start();
  cleanup.add(() => teams.stop());
  const smtp = await new SmtpEmulator(ledger, profile.smtpLatencyMs).start();
  cleanup.add(() => smtp.stop());
  const smtpCalibrated = await calibrateSmtp(
    smtp.url,
    ledger,
    profile.name === 'full' ? 1000 : 200,
  );

  log(`seeding ${profile.people} people in ${profile.teams} teams`);
  const t0 = performance.now();
  const seeded = await seedDatabase(dbPath, profile, teams.url, (c, t) => teams.register(c, t));
  const seedMs = performance.now() - t0;
  log(`seeded in ${(seedMs / 1000).toFixed(1)} s; timing the fan-out write in-process`);
  const fanOut = await timeFanOut(dbPath, seeded.teamNames, profile.fanOutRuns);

  const signingSecret = randomBytes(16).toString('hex');
  const bare = new Child('bare Bolt', 'bench/bare-bolt.ts', await freePort(), {
    SLACK_SIGNING_SECRET: signingSecret,
  });
  cleanup.add(() => bare.stop(5_000));

  const ceilings = ceilingsOf(profile);
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    DATABASE_PATH: dbPath,
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
  const startHerald = async () => {
    const herald = new Child('Herald', HERALD_ENTRY, await freePort(), env, heraldNodeArgs());
    heralds.push(herald);
    cleanup.add(() => herald.stop());
    await herald.ready('/readyz', 30_000);
    return { herald, requests: requestsTo(herald.url, signingSecret, slack.responseUrl) };
  };
  await bare.ready('/slack/events', 30_000);
  const outbox = new OutboxReader(dbPath);
  cleanup.add(() => outbox.close());
  return {
    ledger,
    slack,
    outbox,
    seeded: { ...seeded, seedMs },
    fanOut,
    smtpCalibrated,
    entry: [
      `node ${heraldNodeArgs().join(' ')} ${HERALD_ENTRY}`.replace(/ +/g, ' '),
      ...(profile.leaseMs ? [`DELIVERY_LEASE_MS=${profile.leaseMs}`] : []),
    ].join(', '),
    bareRequests: requestsTo(bare.url, signingSecret, slack.responseUrl),
    heralds,
    startHerald,
  };
}
