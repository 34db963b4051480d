/**
 * Several Herald processes on one PostgreSQL, as `npm start` runs each, talking to the bench's
 * loopback emulators of Slack, the Bot Framework connector and an SMTP relay — which enforce each
 * platform's limits on whatever reaches them, so on the sum of the replicas.
 */
import { randomBytes } from 'node:crypto';
import { Ledger, deliveryKey, type Arrival } from '../../bench/emulators/ledger.js';
import { SlackEmulator } from '../../bench/emulators/slack.js';
import { SmtpEmulator } from '../../bench/emulators/smtp.js';
import { TEAMS_LIMITS, TeamsEmulator } from '../../bench/emulators/teams.js';
import { RESPONDER_SLACK_ID, seedPopulation, type Seeded } from '../../bench/seed.js';
import { openPostgres } from '../../db/postgres.js';
import type { Channel } from '../../src/domain/types.js';
import { startHeraldProcess } from '../support/child.js';
import { SlackRequests, type CommandReplies } from '../support/slack-requests.js';
import { recentLoopLag } from '../support/loop-lag.js';
import pg from 'pg';

/** Sends in flight per channel lane: the worker's default concurrency (src/delivery/worker.ts). */
export const LANE_CONCURRENCY = 32;

/** The limits the emulators enforce, and Herald's own pace set to the same numbers. */
export const LIMITS = {
  /** Slack's workspace ceiling for chat.postMessage (bucket of as many), and SLACK_MAX_PER_SECOND. */
  slackPerSecond: 50,
  /** The relay's sending rate (bucket of as many), and SMTP_MAX_PER_SECOND. */
  smtpPerSecond: 50,
  /** Teams' documented limits: 30 requests/s per tenant, 7 messages/s per conversation. */
  teams: TEAMS_LIMITS,
} as const;

/** Polls `done` every 50 ms; the deadline only bounds a failing test. */
export async function until(
  done: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs: number,
  check: () => void = () => undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    check();
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One Herald process: `node <npm start flags> src/main.ts`. */
export interface Replica {
  name: string;
  /** Its replica id, as it names its leases and heartbeats (from its start-up log line). */
  id: string;
  url: string;
  requests: SlackRequests;
  readonly alive: boolean;
  output(): string;
  exited: Promise<number | null>;
  /** SIGKILL, as a crash would; resolves once the process is gone. */
  crash(): Promise<void>;
}

/**
 * Starts and always ends Herald processes: `killAll()` (in `afterEach`/`afterAll`) SIGKILLs every
 * one still running, whatever the test did.
 */
export class Fleet {
  private readonly children: Array<{ kill: () => void; exited: Promise<unknown> }> = [];

  /**
   * Starts one Herald per name, all at once, and resolves once every one is listening.
   * `commandReplies` is where Slack command replies go (the Slack emulator's).
   */
  async start(
    names: readonly string[],
    env: Record<string, string>,
    commandReplies: (prefix: string) => CommandReplies = () => ({
      url: () => 'http://127.0.0.1:9/unused',
    }),
  ): Promise<Replica[]> {
    const spawned = names.map((name) => {
      const child = startHeraldProcess({ ...env, PORT: '0', HOST: '127.0.0.1' });
      this.children.push({ kill: () => child.child.kill('SIGKILL'), exited: child.exited });
      return { name, child };
    });
    return Promise.all(
      spawned.map(async ({ name, child }): Promise<Replica> => {
        const listening = child.waitFor(
          /"port":(\d+),"database":"[^"]*","replica":"([^"]+)","msg":"Herald is listening"/,
          60_000,
        );
        const died = child.exited.then((code) => {
          throw new Error(`${name} exited (${code}) during start-up:\n${child.output()}`);
        });
        const [, port, id] = await Promise.race([listening, died]);
        const url = `http://127.0.0.1:${port}`;
        const signingSecret = env.SLACK_SIGNING_SECRET ?? '';
        const alive = () => child.child.exitCode === null && child.child.signalCode === null;
        return {
          name,
          id: id!,
          url,
          // Response ids are per SlackRequests: named after the replica, so replies never mix.
          requests: new SlackRequests(
            `${url}/slack/events`,
            signingSecret,
            commandReplies(`${name}-`),
          ),
          get alive() {
            return alive();
          },
          output: child.output,
          exited: child.exited,
          async crash() {
            if (alive()) child.child.kill('SIGKILL');
            await child.exited;
          },
        };
      }),
    );
  }

  /** SIGKILLs every process this fleet started that is still running; resolves once all are gone. */
  async killAll(): Promise<void> {
    const children = this.children.splice(0);
    for (const c of children) c.kill();
    await Promise.all(children.map((c) => c.exited));
  }
}

/** The three emulators, one ledger. */
export interface Emulators {
  ledger: Ledger;
  slack: SlackEmulator;
  teams: TeamsEmulator;
  smtp: SmtpEmulator;
  /** The Teams tenant of each conversation, as seeded. */
  tenantOf: Map<string, string>;
  stop(): Promise<void>;
}

export async function startEmulators(): Promise<Emulators> {
  const ledger = new Ledger();
  const slack = await new SlackEmulator(ledger, {
    postMessagePerSecond: LIMITS.slackPerSecond,
  }).start();
  // Three replicas, PostgreSQL and this process share two cores: arrivals are read late and
  // bunched by a few tens of milliseconds (see LimitBook), and by as long as this process's own
  // event loop stalls (other test files run beside it), which is measured rather than guessed.
  const loop = recentLoopLag();
  const teams = await new TeamsEmulator(ledger, { arrivalJitterMs: () => 25 + loop.lag() }).start();
  const smtp = await new SmtpEmulator(ledger, 5, {
    perSecond: LIMITS.smtpPerSecond,
    burst: LIMITS.smtpPerSecond,
  }).start();
  return {
    ledger,
    slack,
    teams,
    smtp,
    tenantOf: new Map(),
    async stop() {
      await Promise.allSettled([slack.stop(), teams.stop(), smtp.stop()]);
    },
  };
}

/** The environment of every replica: all three channels on the emulators, short leases. */
export function heraldEnv(databaseUrl: string, emulators: Emulators): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    SLACK_SIGNING_SECRET: randomBytes(16).toString('hex'),
    SLACK_BOT_TOKEN: 'xoxb-replicas',
    SLACK_API_URL: emulators.slack.apiUrl,
    TEAMS_ALLOW_UNAUTHENTICATED: 'true',
    SMTP_URL: emulators.smtp.url,
    SLACK_MAX_PER_SECOND: String(LIMITS.slackPerSecond),
    SMTP_MAX_PER_SECOND: String(LIMITS.smtpPerSecond),
    HERALD_SECRET: randomBytes(16).toString('hex'),
    REMINDER_MINUTES: '0',
    // A dead replica's claims and lanes come back after this; also the lanes' lease.
    DELIVERY_LEASE_MS: '3000',
    LOG_LEVEL: 'info',
  };
}

/** Seeds `people` (a third each Slack, Teams, email-only) in `teams` stakeholder teams. */
export async function seed(
  databaseUrl: string,
  emulators: Emulators,
  people: number,
  teams: number,
  tenants: number,
): Promise<Seeded> {
  const { executor } = await openPostgres({ url: databaseUrl, poolSize: 2, migrate: true });
  try {
    return await seedPopulation(
      executor,
      { people, teams, tenants },
      emulators.teams.url,
      (c, t) => {
        emulators.teams.register(c, t);
        emulators.tenantOf.set(c, t);
      },
    );
  } finally {
    await executor.close();
  }
}

/** A signed `/incident …` to one replica; resolves with the reply Herald posted to Slack. */
export async function command(
  replica: Replica,
  emulators: Emulators,
  text: string,
): Promise<string> {
  const { res, responseId } = await replica.requests.command(RESPONDER_SLACK_ID, '/incident', text);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${replica.name}: /incident ${text}: HTTP ${res.status}`);
  return emulators.slack.reply(`${replica.name}-${responseId}`, 30_000);
}

interface OutboxRow {
  id: number;
  channel: Channel;
  state: string;
  kind: Arrival['kind'];
  incident: number;
  slack: string | null;
  email: string | null;
  ref: string | null;
}

export interface Reconciliation {
  deliveries: number;
  byState: Record<string, number>;
  /** Deliveries the emulators never received. */
  lost: number;
  /** Arrivals beyond the first of a delivery, by channel. */
  duplicates: Record<Channel, number>;
  /** Arrivals no delivery row accounts for. */
  unexpected: number;
}

function recipientOf(row: OutboxRow): string {
  if (row.channel === 'slack') return row.slack ?? '';
  if (row.channel === 'email') return (row.email ?? '').toLowerCase();
  return (JSON.parse(row.ref ?? '{}') as { conversation?: { id?: string } }).conversation?.id ?? '';
}

/** The outbox against what the emulators received: every delivery row, every arrival. */
export async function reconcile(db: pg.Pool, ledger: Ledger): Promise<Reconciliation> {
  const { rows } = await db.query<OutboxRow>(
    `SELECT d.id, d.channel, d.state, e.kind, e.incident_id AS incident,
            p.slack_user_id AS slack, p.email, p.teams_conversation_ref AS ref
       FROM deliveries d
       JOIN notification_events e ON e.id = d.event_id
       JOIN people p ON p.id = d.person_id`,
  );
  const out: Reconciliation = {
    deliveries: rows.length,
    byState: {},
    lost: 0,
    duplicates: { slack: 0, teams: 0, email: 0 },
    unexpected: 0,
  };
  const known = new Set<string>();
  for (const row of rows) {
    out.byState[row.state] = (out.byState[row.state] ?? 0) + 1;
    const key = deliveryKey({ ...row, recipient: recipientOf(row) });
    known.add(key);
    const n = ledger.count(key);
    if (n === 0) out.lost += 1;
    else out.duplicates[row.channel] += n - 1;
  }
  for (const [key, n] of ledger.keys()) if (!known.has(key)) out.unexpected += n;
  return out;
}

/** The most arrivals in any `windowMs` (sliding), per key. */
export function maxPerWindow(
  arrivals: readonly Arrival[],
  keyOf: (a: Arrival) => string,
  windowMs = 1000,
): { max: number; key: string } {
  const byKey = new Map<string, number[]>();
  for (const a of arrivals) {
    const k = keyOf(a);
    let times = byKey.get(k);
    if (!times) byKey.set(k, (times = []));
    times.push(a.at);
  }
  let best = { max: 0, key: '' };
  for (const [key, times] of byKey) {
    times.sort((x, y) => x - y);
    let start = 0;
    for (let end = 0; end < times.length; end += 1) {
      while (times[end]! - times[start]! >= windowMs) start += 1;
      if (end - start + 1 > best.max) best = { max: end - start + 1, key };
    }
  }
  return best;
}

export interface WindowFigures {
  /** What the platform allows in any one second: its bucket's burst plus a second's refill. */
  allowed: number;
  /** Its nominal rate per second. */
  perSecond: number;
  /** The most arrivals seen in one second. */
  max: number;
}

/**
 * Per platform limit, the busiest second the emulators saw, against what the limit allows in one
 * second (a token bucket of `burst` refilled at `perSecond`: at most burst + perSecond).
 */
export function windows(emulators: Emulators): Record<string, WindowFigures> {
  const arrivals = emulators.ledger.arrivals;
  const on = (channel: Channel) => arrivals.filter((a) => a.channel === channel);
  const fig = (perSecond: number, burst: number, max: number): WindowFigures => ({
    perSecond,
    allowed: burst + perSecond,
    max,
  });
  const { slackPerSecond, smtpPerSecond, teams } = LIMITS;
  return {
    'slack workspace': fig(slackPerSecond, slackPerSecond, maxPerWindow(on('slack'), () => '').max),
    'slack per DM': fig(1, 3, maxPerWindow(on('slack'), (a) => a.recipient).max),
    'teams per tenant': fig(
      teams.perTenant,
      teams.perTenant,
      maxPerWindow(on('teams'), (a) => emulators.tenantOf.get(a.recipient) ?? 'unknown').max,
    ),
    'teams per conversation': fig(
      teams.perConversation,
      7,
      maxPerWindow(on('teams'), (a) => a.recipient).max,
    ),
    'smtp relay': fig(smtpPerSecond, smtpPerSecond, maxPerWindow(on('email'), () => '').max),
  };
}

/**
 * A pool of the test's own on the replicas' database, for reading the outbox and the leases. A
 * server that goes away (a test stopping it) fails this pool's queries, never the test process:
 * `end()` resolves before its clients' sockets have closed, and a client still closing when the
 * server shuts down hands the server's FATAL to the pool as an `error` event.
 */
export function testPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => undefined);
  return pool;
}

/** Lane leases alive now: channel → holder. */
export async function laneHolders(db: pg.Pool): Promise<Map<Channel, string>> {
  const { rows } = await db.query<{ name: string; holder: string }>(
    `SELECT name, holder FROM leases WHERE name LIKE 'lane:%' AND expires_at > $1`,
    [Date.now()],
  );
  return new Map(rows.map((r) => [r.name.slice('lane:'.length) as Channel, r.holder]));
}

/** True once every replica holds exactly one lane (three replicas, three channels). */
export async function lanesSpread(db: pg.Pool, replicas: readonly Replica[]): Promise<boolean> {
  const holders = [...(await laneHolders(db)).values()];
  return (
    holders.length === replicas.length &&
    replicas.every((r) => holders.filter((h) => h === r.id).length === 1)
  );
}
