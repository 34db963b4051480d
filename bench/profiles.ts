import { SMTP_POOL } from '../adapters/email/email-messenger.js';
import { TEAMS_LIMITS } from './emulators/teams.js';
import type { Population } from './seed.js';

/**
 * Sends the worker has in flight at most per channel lane: its default concurrency
 * (src/delivery/worker.ts). A crashed process's lanes × this bound its duplicates.
 */
export const LANE_CONCURRENCY = 32;

export interface Profile extends Population {
  name: 'full' | 'quick';
  /** `--people` asked for this population instead of the profile's own. */
  scaled: boolean;
  /** Where Herald keeps its data: a SQLite file, or an embedded PostgreSQL server. */
  database: 'sqlite' | 'postgres';
  /** Herald processes on the database (more than one only on PostgreSQL). */
  replicas: number;
  /** Slack workspace ceiling for chat.postMessage, and Herald's SLACK_MAX_PER_SECOND. */
  slackPerSecond: number;
  /** The SMTP relay's time to accept one message; with the pool it sets the email ceiling. */
  smtpLatencyMs: number;
  /** Signed commands per target (Herald, bare Bolt) per ack phase. */
  ackSamples: number;
  /** In-process fan-out writes to time. */
  fanOutRuns: number;
  /** Share of the resolve fan-out delivered when Herald is SIGKILLed. */
  killAt: number;
  /** `DELIVERY_LEASE_MS` for the SIGKILL check; unset: Herald's default (60 s). */
  leaseMs?: number;
  /** Hard stop for the whole run, so a hang never outlives the shell that started it. */
  deadlineMs: number;
}

export const PROFILES: Record<Profile['name'], Profile> = {
  full: {
    name: 'full',
    scaled: false,
    database: 'sqlite',
    replicas: 1,
    people: 10_000,
    teams: 50,
    // One company, one tenant: Teams' 30 requests/s is the long pole (~111 s per event).
    tenants: 1,
    // Slack publishes no workspace number for chat.postMessage; 50/s is above Herald's default
    // (20) so that Slack is not the slowest channel and head-of-line effects show.
    slackPerSecond: 50,
    // 50 ms per message × 5 pooled connections = 100 messages/s.
    smtpLatencyMs: 50,
    ackSamples: 500,
    fanOutRuns: 5,
    killAt: 0.3,
    deadlineMs: 40 * 60_000,
  },
  quick: {
    name: 'quick',
    scaled: false,
    database: 'sqlite',
    replicas: 1,
    people: 1_000,
    teams: 50,
    // Two tenants halve the Teams long pole, so the quick run stays well under a minute.
    tenants: 2,
    slackPerSecond: 50,
    smtpLatencyMs: 50,
    ackSamples: 200,
    fanOutRuns: 3,
    killAt: 0.3,
    // A SIGKILLed worker's claims come back when their lease ends: Herald's 60 s is longer than
    // the whole quick run should take.
    leaseMs: 3_000,
    deadlineMs: 4 * 60_000,
  },
};

/** Each channel's ceiling, messages per second, as the emulators enforce it. */
export const ceilingsOf = (p: Profile) => ({
  slack: p.slackPerSecond,
  teams: TEAMS_LIMITS.perTenant * p.tenants,
  email: (SMTP_POOL.maxConnections * 1000) / p.smtpLatencyMs,
});

/** The command line's options, as `bench/run.ts` parses them. */
export interface BenchArgs {
  quick?: boolean;
  postgres?: boolean;
  replicas?: string;
  people?: string;
}

/**
 * The profile the command line asks for; an error message when it asks for something else.
 * `--people <n>` scales the population of either profile (teams and tenants stay), and the
 * deadline with it.
 */
export function profileFromArgs(args: BenchArgs): Profile | string {
  const replicas = Number(args.replicas ?? '1');
  if (!Number.isInteger(replicas) || replicas < 1) return '--replicas takes a whole number ≥ 1';
  if (replicas > 1 && !args.postgres) {
    return `--replicas ${replicas} needs --postgres: on SQLite the bench runs one Herald process`;
  }
  const base = PROFILES[args.quick ? 'quick' : 'full'];
  const people = args.people === undefined ? base.people : Number(args.people);
  // At least one person per team and channel, so every fan-out has each channel.
  const least = base.teams * 3;
  if (!Number.isInteger(people) || people < least) {
    return `--people takes a whole number ≥ ${least} (${base.teams} teams × 3 channels)`;
  }
  return {
    ...base,
    database: args.postgres ? 'postgres' : 'sqlite',
    replicas,
    people,
    scaled: people !== base.people,
    deadlineMs: base.deadlineMs * Math.max(1, people / base.people),
  };
}
