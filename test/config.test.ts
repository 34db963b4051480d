import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { CONFIG_VARIABLES, loadConfig } from '../src/config.js';

const fails = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected loadConfig to fail');
};

describe('configuration (PRODUCT §7)', () => {
  it('starts with nothing set: defaults, every adapter off', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      databasePath: './data/herald.db',
      publicUrl: 'http://localhost:3000',
      responderPolicy: 'members',
      slack: null,
      teams: null,
      email: null,
      intakeToken: null,
      reminderMinutes: 30,
      databaseUrl: null,
      deliveryLeaseMs: 12_000,
    });
  });

  it('DATABASE_URL runs on PostgreSQL; its password never appears in an error', () => {
    const c = loadConfig({ DATABASE_URL: 'postgresql://herald:s3cret@db.example:5432/herald' });
    expect(c.databaseUrl).toBe('postgresql://herald:s3cret@db.example:5432/herald');
    expect(c.databasePoolSize).toBe(10);
    const m = fails({ DATABASE_URL: 'postgres://herald:s3cret@', DATABASE_POOL_SIZE: 'x' });
    expect(m).not.toContain('s3cret');
  });

  it.each([
    [{ PORT: 'eighty' }, /^PORT="eighty": /],
    [{ PORT: '70000' }, /^PORT="70000": must be between 0 and 65535$/],
    [
      { RESPONDER_POLICY: 'everyone' },
      /^RESPONDER_POLICY="everyone": must be one of members, granted$/,
    ],
    [{ REMINDER_MINUTES: '-5' }, /^REMINDER_MINUTES="-5": /],
    [{ PUBLIC_URL: 'not a url' }, /^PUBLIC_URL="not a url": must be an absolute URL/],
    [{ SMTP_URL: 'mail.example:25' }, /^SMTP_URL="mail.example:25": must start with smtp:\/\//],
    [
      { SLACK_BOT_TOKEN: 'xoxb-1' },
      /^SLACK_SIGNING_SECRET: must be set together with SLACK_BOT_TOKEN$/,
    ],
    [{ ADMINS: 'root' }, /^ADMINS: "root" is not an email/],
    [{ TEAMS_ALLOW_UNAUTHENTICATED: 'yes' }, /^TEAMS_ALLOW_UNAUTHENTICATED="yes": /],
    [
      { TEAMS_ALLOW_UNAUTHENTICATED: 'true', NODE_ENV: 'production' },
      /must not be true when NODE_ENV=production/,
    ],
    [
      { TEAMS_TENANT_ID: '6f1b2c3d-0000-4000-8000-00000000aaaa' },
      /^TEAMS_TENANT_ID: needs TEAMS_APP_ID and TEAMS_APP_PASSWORD, or TEAMS_ALLOW_UNAUTHENTICATED=true$/,
    ],
    [
      { TEAMS_TENANT_ID: 'corp.onmicrosoft.example', TEAMS_ALLOW_UNAUTHENTICATED: 'true' },
      /^TEAMS_TENANT_ID="corp.onmicrosoft.example": must be the directory \(tenant\) ID, a GUID$/,
    ],
    [{ INTAKE_TOKEN: 'short' }, /^INTAKE_TOKEN="short": must be at least 16 characters$/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL="loud": must be one of/],
    [{ SLACK_MAX_PER_SECOND: '0' }, /^SLACK_MAX_PER_SECOND="0": must be above 0$/],
    [{ SMTP_MAX_PER_SECOND: 'fast' }, /^SMTP_MAX_PER_SECOND="fast": must be a number$/],
    [{ DELIVERY_LEASE_MS: '500' }, /^DELIVERY_LEASE_MS="500": must be at least 3000$/],
    [
      { DATABASE_URL: 'mysql://herald:pw@db.example/herald' },
      /^DATABASE_URL="mysql:\/\/herald:\*\*\*@db.example\/herald": must be a postgres:\/\/ or postgresql:\/\/ URL$/,
    ],
    [{ DATABASE_POOL_SIZE: '1' }, /^DATABASE_POOL_SIZE="1": must be at least 2$/],
  ])('%o fails with one line naming the variable', (env, message) => {
    const m = fails(env);
    expect(m).toMatch(message);
    expect(m).not.toContain('\n');
  });

  it('parses adapters and admins', () => {
    const c = loadConfig({
      SLACK_SIGNING_SECRET: 's',
      SLACK_BOT_TOKEN: 'xoxb-1',
      SMTP_URL: 'smtp://127.0.0.1:2525',
      ADMINS: 'Boss@Corp.example, slack:U1 ,teams:aad-1',
      PUBLIC_URL: 'https://herald.example/',
      TEAMS_ALLOW_UNAUTHENTICATED: 'true',
    });
    expect(c.slack).toEqual({
      signingSecret: 's',
      botToken: 'xoxb-1',
      apiUrl: 'https://slack.com/api/',
      maxPerSecond: 20,
    });
    expect(c.email?.smtpUrl).toBe('smtp://127.0.0.1:2525');
    expect(c.teams?.allowUnauthenticated).toBe(true);
    expect(c.publicUrl).toBe('https://herald.example');
    expect(c.admins).toEqual([
      { kind: 'email', email: 'boss@corp.example' },
      { kind: 'slack', userId: 'U1' },
      { kind: 'teams', aadId: 'aad-1' },
    ]);
  });
});

describe('DATABASE_PATH (issue 12, item 9)', () => {
  it.each([
    [':memory:', /^DATABASE_PATH=":memory:": .*in memory.*lost.*give a file path/],
    [' :MEMORY: ', /^DATABASE_PATH=" :MEMORY: ": .*in memory.*lost.*give a file path/],
    ['file:herald.db', /^DATABASE_PATH="file:herald.db": .*URI.*give a file path/],
    [
      'FILE:///var/lib/herald.db?mode=rwc',
      /^DATABASE_PATH="FILE:\/\/\/var\/lib\/herald.db\?mode=rwc": .*URI.*give a file path/,
    ],
  ])('refuses %o with one line naming the variable and what to do', (value, message) => {
    const m = fails({ DATABASE_PATH: value });
    expect(m).toMatch(message);
    expect(m).not.toContain('\n');
  });

  it('still takes plain paths, including names that merely contain a colon', () => {
    expect(loadConfig({ DATABASE_PATH: './data/herald.db' }).databasePath).toBe('./data/herald.db');
    expect(loadConfig({ DATABASE_PATH: '/srv/herald/db:v2.db' }).databasePath).toBe(
      '/srv/herald/db:v2.db',
    );
  });
});

describe('README', () => {
  it('documents every variable Herald reads in its configuration table', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const missing = CONFIG_VARIABLES.filter((v) => !new RegExp(`^\\|.*\`${v}\``, 'm').test(readme));
    expect(missing).toEqual([]);
  });
});

describe('.env.example', () => {
  it('lists every variable Herald reads', () => {
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const missing = CONFIG_VARIABLES.filter((v) => !new RegExp(`^#? ?${v}=`, 'm').test(example));
    expect(missing).toEqual([]);
  });
});
