import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/logger.js';
import { startHerald, type Herald } from '../src/main.js';
import { sqliteOf } from '../test/support/outbox-fixture.js';
import { SlackRequests } from '../test/support/slack-requests.js';
import type { TeamsUser } from '../test/support/teams-user.js';
import { startEmulators, type Emulators } from './emulators.js';
import { ORG, STAKEHOLDERS } from './org.js';
import type { Received, Row, Step } from './transcript.js';

const SECRET = 'demo-signing-secret';
const nameByEmail = new Map<string, string>(
  [ORG.admin, ...ORG.responders, ORG.slackGuest, ...ORG.teamsStakeholders, ORG.external].map(
    (p) => [p.email, p.name],
  ),
);
const nameBySlack = new Map<string, string>(
  [ORG.admin, ...ORG.responders, ORG.slackGuest].map((p) => [p.slack, p.name]),
);
const unescape = (s: string) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The story, step by step: who typed what where. */
const SCRIPT: ReadonlyArray<{
  actor: string;
  slack: string;
  command: '/incident' | '/stakeholders';
  text: string;
}> = [
  {
    actor: ORG.admin.name,
    slack: ORG.admin.slack,
    command: '/stakeholders',
    text: 'team create exec Executives',
  },
  {
    actor: ORG.admin.name,
    slack: ORG.admin.slack,
    command: '/stakeholders',
    text: `team add exec <@${ORG.slackGuest.slack}> ${ORG.teamsStakeholders[0].email}`,
  },
  {
    actor: ORG.admin.name,
    slack: ORG.admin.slack,
    command: '/stakeholders',
    text: 'team create support Customer support leads',
  },
  {
    actor: ORG.admin.name,
    slack: ORG.admin.slack,
    command: '/stakeholders',
    text: `team add support ${ORG.teamsStakeholders[1].email} <@${ORG.slackGuest.slack}>`,
  },
  {
    actor: ORG.responders[0].name,
    slack: ORG.responders[0].slack,
    command: '/incident',
    text: 'new Checkout errors for EU customers',
  },
  {
    actor: ORG.responders[0].name,
    slack: ORG.responders[0].slack,
    command: '/incident',
    text: 'summary 1 Some customers in the EU see an error at checkout. No orders are lost; retrying works.',
  },
  {
    actor: ORG.responders[0].name,
    slack: ORG.responders[0].slack,
    command: '/incident',
    text: `subscribe 1 team:exec team:support ${ORG.external.email}`,
  },
  {
    actor: ORG.responders[0].name,
    slack: ORG.responders[0].slack,
    command: '/incident',
    text: 'update 1 Rolling back deploy 2026.11.26-3 in eu-west',
  },
  {
    actor: ORG.responders[0].name,
    slack: ORG.responders[0].slack,
    command: '/incident',
    text: 'notify 1 We found the cause, a faulty deploy, and are rolling it back.',
  },
  {
    actor: ORG.responders[1].name,
    slack: ORG.responders[1].slack,
    command: '/incident',
    text: 'notify 1 Error rates are back to normal. We keep watching for another 30 minutes.',
  },
  {
    actor: ORG.responders[0].name,
    slack: ORG.responders[0].slack,
    command: '/incident',
    text: 'resolve 1 Rolled back the faulty deploy; a fix follows in tomorrow’s release.',
  },
];

/** Where each emulator's record stood before a step, to find what the step caused. */
interface Marks {
  slack: number;
  teams: number;
  email: number;
}

class Demo {
  readonly steps: Step[] = [];
  private readonly requests: SlackRequests;

  constructor(
    private readonly herald: Herald,
    private readonly em: Emulators,
    private readonly base: string,
    private readonly onStep: (step: Step) => void,
  ) {
    this.requests = new SlackRequests(`${base}/slack/events`, SECRET, em.slack.commandReplies());
  }

  private marks(): Marks {
    return {
      slack: this.em.slack.calls.length,
      teams: this.em.connector.activities.length,
      email: this.em.smtp.messages.length,
    };
  }

  /** Waits until the outbox has nothing left to send, so every message of a step is in. */
  private async settled(): Promise<void> {
    const busy = sqliteOf(this.herald.db).prepare(
      "SELECT count(*) AS n FROM deliveries WHERE state IN ('pending', 'sending', 'retrying')",
    );
    for (let i = 0; i < 1000; i++) {
      if ((busy.get() as { n: number }).n === 0) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('the outbox did not drain within 10 s');
  }

  private receivedSince(m: Marks): Received[] {
    const out: Received[] = [];
    for (const c of this.em.slack.calls.slice(m.slack)) {
      if (c.method !== 'chat.postMessage') continue;
      const who =
        nameBySlack.get(String(c.args.channel).replace(/^D/, '')) ?? String(c.args.channel);
      out.push({
        who,
        channel: 'slack',
        line: unescape(String(c.args.text)),
        body: { kind: 'slack', blocks: c.args.blocks },
      });
    }
    for (const a of this.em.connector.activities.slice(m.teams)) {
      const user = this.em.teamsUsers.find((u) => u.conversationId === a.conversationId);
      const card = a.activity.attachments?.[0]?.content;
      const text = String(a.activity.summary ?? a.activity.text ?? '');
      out.push({
        who: user?.member.name ?? a.conversationId,
        channel: 'teams',
        line: text,
        body: { kind: 'teams', card, text: String(a.activity.text ?? '') },
      });
    }
    for (const mail of this.em.smtp.messages.slice(m.email)) {
      for (const to of mail.to) {
        const subject = mail.parsed.subject ?? '';
        out.push({
          who: nameByEmail.get(to) ?? to,
          channel: 'email',
          line: subject,
          body: {
            kind: 'email',
            subject,
            html: typeof mail.parsed.html === 'string' ? mail.parsed.html : '',
          },
        });
      }
    }
    return out;
  }

  private record(step: Step): void {
    this.steps.push(step);
    this.onStep(step);
  }

  /** A Teams user adds the app: Herald stores the chat and greets them. */
  async install(user: TeamsUser): Promise<void> {
    const m = this.marks();
    for (const activity of user.install()) {
      const res = await fetch(`${this.base}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity),
      });
      if (res.status !== 200) throw new Error(`install answered ${res.status}`);
    }
    await this.settled();
    const received = this.receivedSince(m);
    this.record({
      actor: user.member.name,
      surface: 'Teams',
      input: '(installs the Herald app)',
      reply: received.map((r) => r.line).join(' ') || '(stored the chat)',
      received: [],
    });
  }

  /** A slash command, signed as Slack signs it; the reply is what Herald posted to response_url. */
  async command(
    actor: string,
    user: string,
    command: '/incident' | '/stakeholders',
    text: string,
  ): Promise<void> {
    const m = this.marks();
    const { res, responseId } = await this.requests.command(user, command, text);
    if (res.status !== 200) throw new Error(`${command} ${text} answered ${res.status}`);
    let reply: string | undefined;
    for (let i = 0; i < 1000 && reply === undefined; i++) {
      const r = this.em.slack.responses.find((x) => x.id === responseId);
      if (r) reply = unescape(String(r.body.text));
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if (reply === undefined) throw new Error(`no reply to ${command} ${text}`);
    await this.settled();
    this.record({
      actor,
      surface: 'Slack',
      input: `${command} ${text}`,
      reply,
      received: this.receivedSince(m),
    });
  }

  /** What each stakeholder was sent, from the outbox (the emulators saw the same, step by step). */
  table(): Row[] {
    const rows = sqliteOf(this.herald.db)
      .prepare(
        `SELECT p.email, d.channel, e.kind, count(*) AS n FROM deliveries d
           JOIN people p ON p.id = d.person_id JOIN notification_events e ON e.id = d.event_id
          WHERE d.state = 'sent' GROUP BY p.email, d.channel, e.kind`,
      )
      .all() as Array<{ email: string; channel: string; kind: string; n: number }>;
    return STAKEHOLDERS.flatMap((s) => {
      const mine = rows.filter((r) => r.email === s.email);
      const channels = [...new Set(mine.map((r) => r.channel))];
      return (channels.length ? channels : [s.channel]).map((channel) => {
        const count = (kind: string) =>
          mine.find((r) => r.channel === channel && r.kind === kind)?.n ?? 0;
        return {
          who: s.name,
          channel,
          subscribed: count('subscribed'),
          updates: count('update'),
          resolved: count('resolved'),
        };
      });
    });
  }
}

export interface DemoResult {
  steps: Step[];
  table: Row[];
  /** Messages the emulators received, per channel (cross-checks the table). */
  arrived: Record<'slack' | 'teams' | 'email', number>;
}

/**
 * Plays the whole story against loopback emulators: Teams installs, the admin builds two
 * stakeholder teams, a responder declares, summarises, subscribes, posts an internal and two
 * stakeholder updates, and resolves. Leaves nothing running.
 */
export async function playDemo(
  onStep: (step: Step) => void = () => undefined,
): Promise<DemoResult> {
  const em = await startEmulators();
  const dir = mkdtempSync(join(tmpdir(), 'herald-demo-'));
  let herald: Herald | undefined;
  try {
    herald = await startHerald(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_PATH: join(dir, 'herald.db'),
        PUBLIC_URL: 'http://127.0.0.1:3000',
        ADMINS: `slack:${ORG.admin.slack}`,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_BOT_TOKEN: 'xoxb-demo',
        SLACK_API_URL: em.slack.apiUrl,
        TEAMS_ALLOW_UNAUTHENTICATED: 'true',
        SMTP_URL: em.smtp.url,
        EMAIL_FROM: 'Herald <herald@acme.example>',
        REMINDER_MINUTES: '0',
        SLACK_MAX_PER_SECOND: '100',
        SMTP_MAX_PER_SECOND: '100',
      }),
      { logger: silentLogger, worker: { pollMs: 20 } },
    );
    const address = herald.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const demo = new Demo(herald, em, base, onStep);
    for (const user of em.teamsUsers) await demo.install(user);
    for (const s of SCRIPT) await demo.command(s.actor, s.slack, s.command, s.text);
    const stakeholderDms = em.slack.dms().filter((d) => d.to === ORG.slackGuest.slack).length;
    const teamsCards = em.connector.activities.filter((a) => a.activity.attachments?.length).length;
    return {
      steps: demo.steps,
      table: demo.table(),
      arrived: { slack: stakeholderDms, teams: teamsCards, email: em.smtp.messages.length },
    };
  } finally {
    await herald?.stop();
    await em.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
