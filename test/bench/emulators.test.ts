import { createTransport } from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../bench/emulators/ledger.js';
import { SlackEmulator } from '../../bench/emulators/slack.js';
import { SmtpEmulator } from '../../bench/emulators/smtp.js';
import { TeamsEmulator } from '../../bench/emulators/teams.js';
import { eventually } from '../support/eventually.js';
import {
  SLACK_METHOD_LIMITS,
  TEAMS_PER_TENANT,
  TEAMS_SEND_PER_THREAD,
} from '../support/platform-limits.js';
import { postHalfAndReset, RawClient, sendGarbage } from './sockets.js';

// The bench's emulators on loopback, their clocks driven by the test: each documented limit is
// enforced (429 with Retry-After past it), a request into a running Retry-After is counted as a
// violation, and a client that dies mid-request leaves them serving.

let clock = 0;
const now = () => clock;
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  clock = 0;
});

/** At least `ms` by `performance.now()`, which a timer alone does not promise. */
async function idleFor(ms: number) {
  const until = performance.now() + ms;
  while (performance.now() < until)
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(until - performance.now())));
}

async function slackEmulator(perSecond = 50) {
  const ledger = new Ledger();
  // No in-flight grace: the test's requests are sequential, so any early one is a violation.
  const slack = await new SlackEmulator(ledger, {
    postMessagePerSecond: perSecond,
    now,
    inFlightGraceMs: 0,
  }).start();
  stops.push(() => slack.stop());
  const call = async (method: string, args: Record<string, string> = {}) => {
    const res = await fetch(`${slack.apiUrl}${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'xoxb-bench', ...args }),
    });
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      body: (await res.json()) as Record<string, unknown>,
    };
  };
  return { ledger, slack, call };
}

const dm = (channel: string, incident = 1) => ({
  channel,
  text: `[SEV3] #${incident} Checkout is failing`,
});

describe('the bench Slack emulator', () => {
  it("files each method Herald calls under Slack's documented tier", () => {
    const perMinute = (m: string) => SLACK_METHOD_LIMITS[m]?.perMinute;
    expect(perMinute('users.list')).toBe(20);
    expect(perMinute('conversations.open')).toBe(50);
    expect(perMinute('users.lookupByEmail')).toBe(50);
    for (const m of ['users.info', 'views.open', 'views.update', 'views.push', 'views.publish'])
      expect(perMinute(m), m).toBe(100);
    expect(perMinute('chat.postEphemeral')).toBe(100);
  });

  it('refuses each method past its tier with 429 and Retry-After, and lets it go once a token is back', async () => {
    const { call, ledger } = await slackEmulator();
    for (const [method, limit] of Object.entries(SLACK_METHOD_LIMITS)) {
      const args = { user: 'U1', users: 'U1', email: 'u1@corp.example', view: '{}' };
      for (let i = 0; i < limit.burst; i += 1) expect((await call(method, args)).status).toBe(200);
      const refused = await call(method, args);
      expect(refused, method).toMatchObject({ status: 429, body: { error: 'ratelimited' } });
      // Whole seconds, at least one, until the next token.
      expect(Number(refused.retryAfter)).toBe(Math.max(1, Math.ceil(60 / limit.perMinute)));
      clock += Number(refused.retryAfter) * 1000;
      expect((await call(method, args)).status, method).toBe(200);
      clock = 0;
    }
    expect(Object.keys(ledger.refused)).toHaveLength(Object.keys(SLACK_METHOD_LIMITS).length);
    expect(ledger.violations).toEqual({});
  });

  it('chat.postMessage: about one a second per DM channel; a user id is that DM', async () => {
    const { call, slack, ledger } = await slackEmulator();
    // Short bursts allowed (3), then one a second.
    for (let i = 0; i < 3; i += 1)
      expect((await call('chat.postMessage', dm('UAL'))).status).toBe(200);
    expect((await call('chat.postMessage', dm('DUAL'))).status).toBe(429);
    // Another person's DM is another channel.
    expect((await call('chat.postMessage', dm('UBO'))).status).toBe(200);
    clock += 1000;
    const ok = await call('chat.postMessage', dm('UAL'));
    // Posted to the user id, the message lands in the app's DM: Slack answers its id.
    expect(ok.body).toMatchObject({ ok: true, channel: 'DUAL' });
    expect([...slack.dms].sort()).toEqual(['DUAL', 'DUBO']);
    expect(ledger.arrivals.map((a) => a.recipient)).toEqual(['UAL', 'UAL', 'UAL', 'UBO', 'UAL']);
  });

  it('chat.postMessage: the workspace ceiling the bench sets, across channels', async () => {
    const { call, ledger } = await slackEmulator(5);
    for (let i = 0; i < 5; i += 1)
      expect((await call('chat.postMessage', dm(`U${i}`))).status).toBe(200);
    const refused = await call('chat.postMessage', dm('U9'));
    expect(refused).toMatchObject({ status: 429, retryAfter: '1' });
    expect(ledger.refused).toEqual({ 'slack chat.postMessage 429': 1 });
    clock += 200;
    expect((await call('chat.postMessage', dm('U9'))).status).toBe(200);
  });

  it('counts a request sent while its Retry-After runs as a violation, and none after it', async () => {
    const { call, ledger } = await slackEmulator();
    for (let i = 0; i < 10; i += 1) await call('conversations.open', { users: `U${i}` });
    expect((await call('conversations.open', { users: 'UX' })).retryAfter).toBe('2');
    clock += 1_000;
    expect((await call('conversations.open', { users: 'UX' })).status).toBe(429);
    expect(ledger.violations).toEqual({ 'slack conversations.open': 1 });
    // Another method is not under that Retry-After.
    expect((await call('users.info', { user: 'UX' })).status).toBe(200);
    clock += 2_000;
    expect((await call('conversations.open', { users: 'UX' })).status).toBe(200);
    expect(ledger.violations).toEqual({ 'slack conversations.open': 1 });
  });

  it('keeps serving when a client dies mid-request or speaks something else than HTTP', async () => {
    const { call, slack } = await slackEmulator();
    await postHalfAndReset(slack.url, '/api/chat.postMessage');
    await eventually(() => expect(slack.aborted).toBe(1));
    expect(await sendGarbage(slack.url)).toMatch(/^HTTP\/1\.1 400/);
    expect((await call('chat.postMessage', dm('UAL'))).status).toBe(200);
    expect(slack.calls).toEqual({ 'chat.postMessage': 1 });
  });
});

async function teamsEmulator() {
  const ledger = new Ledger();
  const teams = await new TeamsEmulator(ledger, { now, inFlightGraceMs: 0 }).start();
  stops.push(() => teams.stop());
  const request = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${teams.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    await res.arrayBuffer();
    return { status: res.status, retryAfter: res.headers.get('retry-after') };
  };
  const send = (conversation: string, tenant = 't1') =>
    request('POST', `v3/conversations/${encodeURIComponent(conversation)}/activities`, {
      type: 'message',
      summary: 'Update on incident #1',
      conversation: { id: conversation, tenantId: tenant },
    });
  return { ledger, teams, request, send };
}

describe('the bench Teams emulator', () => {
  it('per conversation: 7 in 1 s, 8 in 2 s, 60 in 30 s', async () => {
    expect(TEAMS_SEND_PER_THREAD.windows).toEqual([
      { seconds: 1, max: 7 },
      { seconds: 2, max: 8 },
      { seconds: 30, max: 60 },
      { seconds: 3600, max: 1800 },
    ]);
    const { send, ledger } = await teamsEmulator();
    for (let i = 0; i < 7; i += 1) expect((await send('a:1')).status).toBe(200);
    expect(await send('a:1')).toEqual({ status: 429, retryAfter: '1' });
    clock = 1_000;
    // The 1-second window has room again, the 2-second one for one more only.
    expect((await send('a:1')).status).toBe(200);
    expect(await send('a:1')).toEqual({ status: 429, retryAfter: '1' });
    clock = 2_000;
    expect((await send('a:1')).status).toBe(200);

    // Then four a second, within both short windows: the 30-second window stops the 61st.
    let sent = 9;
    while (sent < 60) {
      clock += 250;
      expect((await send('a:1')).status, `send ${sent + 1}`).toBe(200);
      sent += 1;
    }
    clock += 250;
    const refused = await send('a:1');
    expect(refused.status).toBe(429);
    // The first send (at 0) leaves the 30-second window at 30 s.
    expect(Number(refused.retryAfter)).toBe(Math.ceil((30_000 - clock) / 1000));
    expect(ledger.arrivals).toHaveLength(60);
    expect(ledger.violations).toEqual({});
  });

  it('per tenant: any 30 requests in a second, whatever the conversation', async () => {
    expect(TEAMS_PER_TENANT.windows).toEqual([{ seconds: 1, max: 30 }]);
    const { send, ledger } = await teamsEmulator();
    for (let i = 0; i < 30; i += 1) expect((await send(`a:${i}`)).status).toBe(200);
    expect(await send('a:30')).toEqual({ status: 429, retryAfter: '1' });
    // Another tenant has its own 30.
    expect((await send('a:other', 't2')).status).toBe(200);
    // Sent into the tenant's Retry-After: a violation.
    clock = 500;
    expect((await send('a:31')).status).toBe(429);
    expect(ledger.violations).toEqual({ 'teams send': 1 });
    // That refusal asked for another second: after it, the tenant has room and nobody is early.
    clock = 1_500;
    expect((await send('a:31')).status).toBe(200);
    expect(ledger.violations).toEqual({ 'teams send': 1 });
  });

  it('conversation creation and member look-ups have their own limits per thread', async () => {
    const { request, teams } = await teamsEmulator();
    const create = () =>
      request('POST', 'v3/conversations', {
        isGroup: false,
        bot: { id: '28:herald' },
        members: [{ id: '29:ann' }],
        tenantId: 't1',
      });
    for (let i = 0; i < 7; i += 1) expect((await create()).status).toBe(201);
    expect((await create()).status).toBe(429);
    expect(teams.created).toBe(7);

    const lookup = () => request('GET', 'v3/conversations/a%3Aann/members/29%3Aann');
    for (let i = 0; i < 14; i += 1) expect((await lookup()).status).toBe(404);
    expect((await lookup()).status).toBe(429);
  });

  it('keeps serving when a client dies mid-request or speaks something else than HTTP', async () => {
    const { send, teams, ledger } = await teamsEmulator();
    await postHalfAndReset(teams.url, '/v3/conversations/a%3A1/activities');
    await eventually(() => expect(teams.aborted).toBe(1));
    expect(await sendGarbage(teams.url)).toMatch(/^HTTP\/1\.1 400/);
    expect((await send('a:1')).status).toBe(200);
    expect(ledger.arrivals).toHaveLength(1);
  });
});

describe('the bench SMTP emulator', () => {
  it('keeps relaying when a client dies in the middle of DATA', async () => {
    const ledger = new Ledger();
    const smtp = await new SmtpEmulator(ledger, 0).start();
    stops.push(() => smtp.stop());

    const client = await RawClient.open(smtp.url.replace('smtp:', 'http:'));
    await client.until(/^220 /m);
    await client.write('EHLO dying.example\r\n');
    await client.until(/^250 /m);
    await client.write('MAIL FROM:<herald@corp.example>\r\nRCPT TO:<p1@corp.example>\r\nDATA\r\n');
    await client.until(/^354 /m);
    await client.write('Subject: [SEV3] #1 Checkout is failing\r\n\r\nHalf a mess');
    client.reset();
    await eventually(() => expect(smtp.closedSessions).toBe(1));

    const transport = createTransport({ url: smtp.url });
    await transport.sendMail({
      from: 'herald@corp.example',
      to: 'p2@corp.example',
      subject: '[SEV3] #1 Checkout is failing',
      text: 'Whole.',
    });
    transport.close();
    expect(ledger.arrivals.map((a) => a.recipient)).toEqual(['p2@corp.example']);
  });

  it("times each transaction, and the client's wait before the next on the same connection", async () => {
    const smtp = await new SmtpEmulator(new Ledger(), 30).start();
    stops.push(() => smtp.stop());
    const transport = createTransport({ url: smtp.url, pool: true, maxConnections: 1 });
    const send = (n: number) =>
      transport.sendMail({
        from: 'herald@corp.example',
        to: `p${n}@corp.example`,
        subject: '[SEV3] #1 Checkout is failing',
        text: 'Body.',
      });
    await send(1);
    await send(2);
    await idleFor(100);
    await send(3);
    smtp.startGaps();
    await send(4);
    transport.close();
    expect(smtp.transactionMs).toHaveLength(4);
    for (const ms of smtp.transactionMs) expect(ms).toBeGreaterThanOrEqual(30);
    // One connection: a wait before the 2nd and the 3rd (100 ms idle in it), none after startGaps.
    expect(smtp.gapMs).toHaveLength(2);
    expect(smtp.gapMs[1]).toBeGreaterThanOrEqual(100);
  });
});
