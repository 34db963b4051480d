import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { createSlackDoor } from '../../adapters/slack/index.js';
import type { SqliteExecutor } from '../../db/sqlite-executor.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { startHerald, type Herald } from '../../src/main.js';
import type { FakeClock } from '../support/fake-clock.js';
import { FakeSlack } from '../support/fake-slack.js';
import { RecordingMessenger } from '../support/recording-messenger.js';
import { SlackRequests } from '../support/slack-requests.js';
import { eventually } from '../support/eventually.js';

export const SECRET = 'test-signing-secret-0123456789';

/** Herald with its Slack door, against a fake Slack Web API; email is recorded. */
export interface SlackHarness {
  herald: Herald;
  slack: FakeSlack;
  email: RecordingMessenger;
  requests: SlackRequests;
  base: string;
  /** The SQLite connection under Herald, for raw SQL. */
  sqlite: Database.Database;
  count(table: string): number;
  close(): Promise<void>;
}

export interface SlackHarnessOptions {
  /**
   * Herald's clock, which also signs the requests and runs the fake Slack's rate limits; by default
   * the system's.
   */
  clock?: FakeClock;
}

export async function slackHarness(opts: SlackHarnessOptions = {}): Promise<SlackHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-slack-'));
  const clock = opts.clock;
  const slack = await new FakeSlack(clock ? { now: () => clock.now() } : {}).start();
  slack.addUser({ id: 'UADA', name: 'Ada', email: 'ada@corp.example' });
  slack.addUser({ id: 'URITA', name: 'Rita', email: 'rita@corp.example' });
  slack.addUser({ id: 'UANN', name: 'Ann', email: 'ann@corp.example' });
  slack.addUser({ id: 'UGUS', name: 'Gus', email: 'gus@partner.example', guest: true });
  slack.addUser({ id: 'UBOT', name: 'Robot', bot: true });
  const email = new RecordingMessenger('email');
  const herald = await startHerald(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_PATH: join(dir, 'herald.db'),
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_API_URL: slack.apiUrl,
      ADMINS: 'slack:UADA',
    }),
    {
      doors: [createSlackDoor],
      ...(opts.clock ? { clock: opts.clock } : {}),
      logger: silentLogger,
      messengers: { email },
      worker: { backoff: { baseMs: 20, maxMs: 100 }, pollMs: 50 },
    },
  );
  const address = herald.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const { sqlite } = herald.db as SqliteExecutor;
  return {
    herald,
    slack,
    email,
    base,
    sqlite,
    requests: new SlackRequests(
      `${base}/slack/events`,
      SECRET,
      slack.commandReplies(),
      opts.clock ? () => opts.clock!.now() : undefined,
    ),
    count: (table) =>
      (sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n,
    async close() {
      await herald.stop();
      await slack.stop();
      rmSync(dir, { recursive: true, force: true });
      // Every Slack test, whatever it is about: Herald never calls a method Slack told it to leave
      // alone for a while (a 429's Retry-After, injected or from the tiers).
      if (slack.earlyRetries.length > 0) {
        throw new Error(
          `requests sent into a 429's Retry-After: ${JSON.stringify(slack.earlyRetries)}`,
        );
      }
    },
  };
}

type SlashCommand = '/incident' | '/stakeholders';

/** Sends a slash command and waits for its ephemeral reply; returns the reply's text as sent. */
export async function ephemeralReply(
  h: SlackHarness,
  user: string,
  cmd: SlashCommand,
  text: string,
): Promise<string> {
  const { res, responseId } = await h.requests.command(user, cmd, text);
  if (res.status !== 200) throw new Error(`${cmd} ${text}: HTTP ${res.status}`);
  const reply = await eventually(() => {
    const r = h.slack.responses.find((x) => x.id === responseId);
    if (!r) throw new Error(`no reply to ${cmd} ${text}`);
    return r.body;
  });
  if (reply.response_type !== 'ephemeral') throw new Error(`${cmd} ${text}: not ephemeral`);
  return String(reply.text);
}

/** Sends a slash command that should open a modal; returns the view Herald sent to views.open. */
export async function openedModal(
  h: SlackHarness,
  user: string,
  cmd: SlashCommand,
  text: string,
): Promise<Record<string, any>> {
  const { triggerId } = await h.requests.command(user, cmd, text);
  const call = await eventually(() => {
    const c = h.slack.callsOf('views.open').find((x) => x.args.trigger_id === triggerId);
    if (!c) throw new Error(`no modal opened for ${cmd} ${text}`);
    return c;
  });
  return call.args.view as Record<string, any>;
}
