import { createTransport } from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { postHalfAndReset, RawClient, sendGarbage } from '../bench/sockets.js';
import { eventually } from './eventually.js';
import { FakeConnector } from './fake-connector.js';
import { FakeSlack } from './fake-slack.js';
import { LimitBook, TEAMS_SEND_PER_THREAD } from './platform-limits.js';
import { TestSmtpServer } from './smtp-server.js';

// The limits the test fakes share with the bench's emulators, enforced as the platforms document
// them, and the fakes' survival of a client that dies mid-request.

let clock = 0;
const now = () => clock;
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  clock = 0;
});

describe('the limit book', () => {
  it("Teams' hour: 1800 sends per thread, whatever the shorter windows allow", () => {
    const book = new LimitBook({ now, inFlightGraceMs: 0 });
    const send = () => book.check([{ key: 'send a:1', limit: TEAMS_SEND_PER_THREAD }]);
    // 60 every 30 s (four a second for 15 s, then a pause): within 1, 2 and 30 s every time.
    for (let block = 0; block < 30; block += 1) {
      for (let i = 0; i < 60; i += 1) {
        expect(send().admitted, `block ${block}, send ${i}`).toBe(true);
        clock += 250;
      }
      clock += 15_000;
    }
    // 1800 in 900 s: the hour is full until the first send (at 0) is an hour old.
    const refused = send();
    expect(refused).toMatchObject({ admitted: false, retryAfterS: 3600 - clock / 1000 });
    clock = 3_600_000;
    expect(send().admitted).toBe(true);
  });

  it('a refused request costs nothing in the limits that had room', () => {
    const book = new LimitBook({ now, inFlightGraceMs: 0 });
    const tight = { kind: 'bucket', perMinute: 60, burst: 1 } as const;
    const roomy = { kind: 'bucket', perMinute: 60, burst: 2 } as const;
    const both = [
      { key: 'tight', limit: tight },
      { key: 'roomy', limit: roomy },
    ];
    expect(book.check(both).admitted).toBe(true);
    expect(book.check(both).admitted).toBe(false);
    // The roomy bucket still has its second token.
    expect(book.check([{ key: 'roomy', limit: roomy }]).admitted).toBe(true);
  });

  it('a request read late is judged at its arrival, in arrival order', () => {
    const book = new LimitBook({ now, inFlightGraceMs: 0 });
    const tenant = { kind: 'windows', windows: [{ seconds: 1, max: 3 }] } as const;
    const send = (readLateMs = 0) => book.check([{ key: 'tenant t', limit: tenant }], readLateMs);
    // Three arrive at 0, 10 and 20 ms, but the book reads the first two only at 80 ms.
    clock = 20;
    expect(send().admitted).toBe(true);
    clock = 80;
    expect(send(80).admitted).toBe(true);
    expect(send(70).admitted).toBe(true);
    // At 1,005 ms the one that arrived at 0 has left the window, though it was read at 80.
    clock = 1_005;
    expect(send().admitted).toBe(true);
    // At 1,008 ms the window (8, 1,008] holds 10, 20 and 1,005: full until 1,010.
    clock = 1_008;
    expect(send()).toMatchObject({
      admitted: false,
      refusedBy: [{ key: 'tenant t', waitMs: 2 }],
    });
    // One that arrived at 900 but is read only at 1,008, after three that arrived at 1,005: the
    // window (-100, 900] held nothing, but the platform, in arrival order, would have counted it
    // in the windows ending at the later arrivals, and (5, 1,005] would then hold four.
    const early = new LimitBook({ now, inFlightGraceMs: 0 });
    const judge = (readLateMs = 0) => early.check([{ key: 'tenant t', limit: tenant }], readLateMs);
    clock = 1_005;
    for (let i = 0; i < 3; i += 1) expect(judge().admitted).toBe(true);
    clock = 1_008;
    expect(judge(108).admitted).toBe(false);
    // Arrivals stay in the log a while past the longest window: two at 0, one at 1,500 (on time),
    // then one that arrived at 600, read a second late, is judged against the two at 0.
    const kept = new LimitBook({ now, inFlightGraceMs: 0 });
    const two = { kind: 'windows', windows: [{ seconds: 1, max: 2 }] } as const;
    const knock = (readLateMs = 0) => kept.check([{ key: 'k', limit: two }], readLateMs);
    clock = 0;
    expect([knock().admitted, knock().admitted]).toEqual([true, true]);
    clock = 1_500;
    expect(knock().admitted).toBe(true);
    clock = 1_600;
    expect(knock(1_000).admitted).toBe(false);
  });
});

async function call(slack: FakeSlack, method: string, args: Record<string, string>) {
  const res = await fetch(`${slack.apiUrl}${method}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'Bearer xoxb-test',
    },
    body: new URLSearchParams(args),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('the fake Slack', () => {
  it('chat.postMessage: one a second per DM, a user id being that DM; the workspace when asked', async () => {
    const slack = await new FakeSlack({ now, postMessagePerSecond: 4 }).start();
    stops.push(() => slack.stop());
    const post = (channel: string) => call(slack, 'chat.postMessage', { channel, text: 'hi' });
    for (let i = 0; i < 3; i += 1) expect((await post('UAL')).status).toBe(200);
    expect((await post('DUAL')).status).toBe(429);
    expect((await post('UBO')).body).toMatchObject({ ok: true, channel: 'DUBO' });
    // The workspace's 4 a second: 3 to Al and 1 to Bo so far.
    expect((await post('UCY')).status).toBe(429);
    expect(slack.limited.map((l) => l.method)).toEqual(['chat.postMessage', 'chat.postMessage']);
    clock += 1_000;
    expect((await post('UAL')).status).toBe(200);
    expect(slack.earlyRetries).toEqual([]);
  });

  it('survives a client that dies mid-request or does not speak HTTP', async () => {
    const slack = await new FakeSlack().start();
    stops.push(() => slack.stop());
    await postHalfAndReset(slack.url, '/api/chat.postMessage');
    await eventually(() => expect(slack.aborted).toBe(1));
    expect(await sendGarbage(slack.url)).toMatch(/^HTTP\/1\.1 400/);
    expect((await call(slack, 'auth.test', {})).status).toBe(200);
    expect(slack.calls.map((c) => c.method)).toEqual(['auth.test']);
  });
});

describe('the fake connector', () => {
  const activity = (tenantId: string) => ({
    type: 'message',
    text: 'hi',
    conversation: { id: 'x', tenantId },
  });
  async function send(fake: FakeConnector, conversation: string, tenant = 't1') {
    const res = await fetch(`${fake.url}v3/conversations/${conversation}/activities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(activity(tenant)),
    });
    await res.arrayBuffer();
    return { status: res.status, retryAfter: res.headers.get('retry-after') };
  }

  it('limits sends as Teams does: 7 in 1 s and 8 in 2 s per conversation, 30 a second per tenant', async () => {
    const fake = await FakeConnector.start({ now, inFlightGraceMs: 0 });
    stops.push(() => fake.close());
    for (let i = 0; i < 7; i += 1) expect((await send(fake, 'a:1')).status).toBe(200);
    expect(await send(fake, 'a:1')).toEqual({ status: 429, retryAfter: '1' });
    clock = 1_000;
    expect((await send(fake, 'a:1')).status).toBe(200);
    expect((await send(fake, 'a:1')).status).toBe(429);
    // The tenant: of its sends, only the one at 1 s is in the last second; 29 more fill it.
    clock = 1_500;
    for (let i = 0; i < 29; i += 1) expect((await send(fake, `a:p${i}`)).status).toBe(200);
    expect((await send(fake, 'a:q')).status).toBe(429);
    expect((await send(fake, 'a:q', 't2')).status).toBe(200);
    expect(fake.limited.map((l) => l.operation)).toEqual(['send', 'send', 'send']);
    // Sent inside the tenant's Retry-After: recorded.
    expect(fake.earlyRetries).toEqual([]);
    expect((await send(fake, 'a:r')).status).toBe(429);
    expect(fake.earlyRetries).toMatchObject([{ operation: 'send', key: 'tenant t1' }]);
  });

  it('survives a client that dies mid-request: no card error, still serving', async () => {
    const fake = await FakeConnector.start();
    stops.push(() => fake.close());
    await postHalfAndReset(fake.url, '/v3/conversations/a%3A1/activities');
    await eventually(() => expect(fake.aborted).toBe(1));
    expect(await sendGarbage(fake.url)).toMatch(/^HTTP\/1\.1 400/);
    expect((await send(fake, 'a:1')).status).toBe(200);
    expect(fake.cardErrors).toEqual([]);
    expect(fake.activities).toHaveLength(1);
  });
});

describe('the test SMTP server', () => {
  it('survives a client that dies in the middle of DATA', async () => {
    const smtp = await new TestSmtpServer().start();
    stops.push(() => smtp.stop());
    const client = await RawClient.open(smtp.url.replace('smtp:', 'http:'));
    await client.until(/^220 /m);
    await client.write('EHLO dying.example\r\nMAIL FROM:<a@corp.example>\r\n');
    await client.until(/^250 Accepted/m);
    await client.write('RCPT TO:<b@corp.example>\r\nDATA\r\n');
    await client.until(/^354 /m);
    await client.write('Subject: half\r\n\r\nHalf a mess');
    client.reset();
    await eventually(() => expect(smtp.closedSessions).toBe(1));

    const transport = createTransport({ url: smtp.url });
    await transport.sendMail({ from: 'a@corp.example', to: 'c@corp.example', text: 'Whole.' });
    transport.close();
    expect(smtp.messages.map((m) => m.to)).toEqual([['c@corp.example']]);
  });
});
