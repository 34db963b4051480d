import { z } from 'zod';
import { HeraldError } from './errors.js';

const bool = z.enum(['true', 'false', '1', '0', '']).transform((v) => v === 'true' || v === '1');

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const url = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => URL.canParse(v), { message: `must be an absolute URL (${what})` });

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A plain SQLite file path. `:memory:` would hold the outbox in memory (lost at every restart), and
 * better-sqlite3 does not read `file:` URIs: it would make a folder named `file:` instead.
 */
const databasePath = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .refine((v) => v.toLowerCase() !== ':memory:', {
    message:
      'keeps the database in memory, lost at every restart with its pending notifications; give a file path such as ./data/herald.db',
  })
  .refine((v) => !/^file:/i.test(v), {
    message: 'URIs are not supported; give a file path such as ./data/herald.db',
  })
  .default('./data/herald.db');

/** A PostgreSQL connection URL; anything else (a typo, another database) stops start-up. */
const databaseUrl = z
  .string()
  .trim()
  .refine((v) => v === '' || (/^postgres(ql)?:\/\//i.test(v) && URL.canParse(v)), {
    message: 'must be a postgres:// or postgresql:// URL',
  })
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const schema = z.object({
  PORT: z.coerce
    .number({ message: 'must be a whole number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .default(3000),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  DATABASE_PATH: databasePath,
  DATABASE_URL: databaseUrl,
  DATABASE_POOL_SIZE: z.coerce
    .number({ message: 'must be a whole number' })
    .int('must be a whole number')
    .min(2, 'must be at least 2')
    .max(100, 'must be at most 100')
    .default(10),
  PUBLIC_URL: url('e.g. https://herald.example.com').optional(),
  ADMINS: z.string().default(''),
  RESPONDER_POLICY: z.enum(['members', 'granted']).default('members'),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_BOT_TOKEN: optionalText,
  SLACK_API_URL: url('the Slack Web API base').default('https://slack.com/api/'),
  TEAMS_APP_ID: optionalText,
  TEAMS_APP_PASSWORD: optionalText,
  // What Teams puts in `channelData.tenant.id`; a domain name there would match no activity.
  TEAMS_TENANT_ID: optionalText.refine((v) => v === undefined || GUID.test(v), {
    message: 'must be the directory (tenant) ID, a GUID',
  }),
  TEAMS_ALLOW_UNAUTHENTICATED: bool.default(false),
  SMTP_URL: z
    .string()
    .trim()
    .refine((v) => v === '' || /^smtps?:\/\//.test(v), {
      message: 'must start with smtp:// or smtps://',
    })
    .transform((v) => (v === '' ? undefined : v))
    .optional(),
  EMAIL_FROM: z.string().trim().min(3).default('Herald <herald@localhost>'),
  INTAKE_TOKEN: z
    .string()
    .trim()
    .refine((v) => v === '' || v.length >= 16, { message: 'must be at least 16 characters' })
    .transform((v) => (v === '' ? undefined : v))
    .optional(),
  HERALD_SECRET: z
    .string()
    .trim()
    .refine((v) => v === '' || v.length >= 16, { message: 'must be at least 16 characters' })
    .transform((v) => (v === '' ? undefined : v))
    .optional(),
  SLACK_MAX_PER_SECOND: z.coerce
    .number({ message: 'must be a number' })
    .positive('must be above 0')
    .max(1000, 'must be at most 1000')
    .default(20),
  SMTP_MAX_PER_SECOND: z.coerce
    .number({ message: 'must be a number' })
    .positive('must be above 0')
    .max(1000, 'must be at most 1000')
    .default(10),
  DELIVERY_LEASE_MS: z.coerce
    .number({ message: 'must be a whole number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(3_000, 'must be at least 3000')
    .max(3_600_000, 'must be at most 3600000')
    .default(12_000),
  REMINDER_MINUTES: z.coerce
    .number({ message: 'must be a whole number of minutes' })
    .int('must be a whole number of minutes')
    .min(0, 'must be 0 (off) or more')
    .default(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.string().default('development'),
});

/** Every variable Herald reads (`.env.example` and the README list them all). */
export const CONFIG_VARIABLES = Object.keys(schema.shape);

/** One administrator reference from `ADMINS`. */
export type AdminRef =
  | { kind: 'email'; email: string }
  | { kind: 'slack'; userId: string }
  | { kind: 'teams'; aadId: string };

export interface Config {
  port: number;
  host: string;
  /** The SQLite file, when `databaseUrl` is not set. */
  databasePath: string;
  /** `DATABASE_URL`: run on this PostgreSQL instead of SQLite. */
  databaseUrl: string | null;
  databasePoolSize: number;
  publicUrl: string;
  admins: AdminRef[];
  responderPolicy: 'members' | 'granted';
  slack: {
    signingSecret: string;
    botToken: string;
    apiUrl: string;
    /** Workspace-wide DM rate Herald keeps to (Slack's limit is per workspace and undocumented). */
    maxPerSecond: number;
  } | null;
  teams: {
    appId: string | null;
    appPassword: string | null;
    /** In lower case. When set, Herald serves only this tenant's activities. */
    tenantId: string | null;
    allowUnauthenticated: boolean;
  } | null;
  email: { smtpUrl: string; from: string; maxPerSecond: number } | null;
  emailFrom: string;
  intakeToken: string | null;
  heraldSecret: string | null;
  reminderMinutes: number;
  /** How long a claimed delivery stays with its worker; after a crash it is sent again after this. */
  deliveryLeaseMs: number;
  logLevel: string;
  production: boolean;
}

function parseAdmins(raw: string): AdminRef[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry): AdminRef => {
      if (entry.startsWith('slack:')) return { kind: 'slack', userId: entry.slice(6) };
      if (entry.startsWith('teams:')) return { kind: 'teams', aadId: entry.slice(6) };
      if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(entry))
        return { kind: 'email', email: entry.toLowerCase() };
      throw new HeraldError(
        'CONFIG_INVALID',
        `ADMINS: "${entry}" is not an email, slack:U… or teams:<aad-id>`,
        'ADMINS',
      );
    });
}

/**
 * Reads and validates the environment once. Throws a `CONFIG_INVALID` error whose message is a
 * single line naming the variable and what is wrong with it.
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    // A URL's password is not repeated back (logs keep what stderr shows).
    const value = env[name]?.replace(/(\/\/[^/:@\s]*:)[^@/\s]*@/, '$1***@');
    const detail =
      issue?.code === 'invalid_value'
        ? `must be one of ${issue.values.join(', ')}`
        : issue?.message;
    throw new HeraldError(
      'CONFIG_INVALID',
      `${name}${value !== undefined ? `="${value}"` : ''}: ${detail ?? 'invalid'}`,
      name,
    );
  }
  const e = result.data;
  const half = (a: string | undefined, b: string | undefined, an: string, bn: string) => {
    if ((a === undefined) !== (b === undefined)) {
      const missing = a === undefined ? an : bn;
      throw new HeraldError(
        'CONFIG_INVALID',
        `${missing}: must be set together with ${a === undefined ? bn : an}`,
        missing,
      );
    }
  };
  half(e.SLACK_SIGNING_SECRET, e.SLACK_BOT_TOKEN, 'SLACK_SIGNING_SECRET', 'SLACK_BOT_TOKEN');
  half(e.TEAMS_APP_ID, e.TEAMS_APP_PASSWORD, 'TEAMS_APP_ID', 'TEAMS_APP_PASSWORD');
  // A tenant restriction on a door that stays closed would be silently ignored.
  if (e.TEAMS_TENANT_ID && !e.TEAMS_APP_ID && !e.TEAMS_ALLOW_UNAUTHENTICATED) {
    throw new HeraldError(
      'CONFIG_INVALID',
      'TEAMS_TENANT_ID: needs TEAMS_APP_ID and TEAMS_APP_PASSWORD, or TEAMS_ALLOW_UNAUTHENTICATED=true',
      'TEAMS_TENANT_ID',
    );
  }
  const production = e.NODE_ENV === 'production';
  if (production && e.TEAMS_ALLOW_UNAUTHENTICATED) {
    throw new HeraldError(
      'CONFIG_INVALID',
      'TEAMS_ALLOW_UNAUTHENTICATED: must not be true when NODE_ENV=production',
      'TEAMS_ALLOW_UNAUTHENTICATED',
    );
  }
  const teamsOn = e.TEAMS_APP_ID !== undefined || e.TEAMS_ALLOW_UNAUTHENTICATED;
  return {
    port: e.PORT,
    host: e.HOST,
    databasePath: e.DATABASE_PATH,
    databaseUrl: e.DATABASE_URL ?? null,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    admins: parseAdmins(e.ADMINS),
    responderPolicy: e.RESPONDER_POLICY,
    slack:
      e.SLACK_SIGNING_SECRET && e.SLACK_BOT_TOKEN
        ? {
            signingSecret: e.SLACK_SIGNING_SECRET,
            botToken: e.SLACK_BOT_TOKEN,
            apiUrl: e.SLACK_API_URL,
            maxPerSecond: e.SLACK_MAX_PER_SECOND,
          }
        : null,
    teams: teamsOn
      ? {
          appId: e.TEAMS_APP_ID ?? null,
          appPassword: e.TEAMS_APP_PASSWORD ?? null,
          tenantId: e.TEAMS_TENANT_ID?.toLowerCase() ?? null,
          allowUnauthenticated: e.TEAMS_ALLOW_UNAUTHENTICATED,
        }
      : null,
    email: e.SMTP_URL
      ? { smtpUrl: e.SMTP_URL, from: e.EMAIL_FROM, maxPerSecond: e.SMTP_MAX_PER_SECOND }
      : null,
    emailFrom: e.EMAIL_FROM,
    intakeToken: e.INTAKE_TOKEN ?? null,
    heraldSecret: e.HERALD_SECRET ?? null,
    reminderMinutes: e.REMINDER_MINUTES,
    deliveryLeaseMs: e.DELIVERY_LEASE_MS,
    logLevel: e.LOG_LEVEL,
    production,
  };
}
