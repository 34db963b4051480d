import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { SlackPostMessage } from '../../adapters/slack/post-message.js';
import type { DeliveryError } from '../../src/delivery/ports.js';
import { deliveryFailure } from '../support/delivery-failure.js';
import { closeServer, recordingServer } from '../support/recorded-requests.js';

// The DM client against a loopback server that answers as each test says: what it sends, how it
// classifies every answer Slack can give, and that one connection serves many messages.

const TOKEN = 'xoxb-0000-secret-token-never-shown';

type Answer = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server | null = null;
const clients: SlackPostMessage[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  if (server) await closeServer(server);
  server = null;
});

/** A server answering each request with `answer`; counts connections; records every request. */
async function slackLike(answer: Answer) {
  const { server: started, seen, stats, origin } = await recordingServer(answer);
  server = started;
  const client = (timeoutMs?: number) => {
    const c = new SlackPostMessage({
      token: TOKEN,
      apiUrl: `${origin}/api/`,
      ...(timeoutMs ? { timeoutMs } : {}),
    });
    clients.push(c);
    return c;
  };
  return { seen, stats, client };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Answer =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

const ARGS = JSON.stringify({ channel: 'U1', text: 'héllo — ✓' });

/** The token appears nowhere a log line could pick it up. */
function expectNoToken(err: DeliveryError): void {
  for (const shown of [
    err.message,
    String(err),
    JSON.stringify(err),
    inspect(err),
    err.stack ?? '',
  ])
    expect(shown).not.toContain('secret-token');
}

describe('the Slack DM client (chat.postMessage as JSON)', () => {
  it('posts the arguments as UTF-8 JSON with the bot token as bearer, to the configured API base', async () => {
    const { seen, client } = await slackLike(json(200, { ok: true, channel: 'DU1', ts: '1.2' }));
    await client().post(ARGS);
    expect(seen).toHaveLength(1);
    const [req] = seen;
    expect(req).toMatchObject({ method: 'POST', url: '/api/chat.postMessage', body: ARGS });
    expect(req!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(req!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(Number(req!.headers['content-length'])).toBe(Buffer.byteLength(ARGS));
    expect(req!.headers.connection).toBe('keep-alive');
  });

  it('keeps its connections alive: one for messages in a row, no more than were in flight at once', async () => {
    const { stats, client } = await slackLike(json(200, { ok: true }));
    const c = client();
    for (let i = 0; i < 20; i++) await c.post(ARGS);
    expect(stats.connections).toBe(1);
    for (let round = 0; round < 5; round++)
      await Promise.all(Array.from({ length: 8 }, () => c.post(ARGS)));
    expect(stats.connections).toBeLessThanOrEqual(8);
    // An error answer leaves the connection usable too.
    server!.removeAllListeners('request');
    server!.on('request', (req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => json(503, { ok: false })(req, res));
    });
    const before = stats.connections;
    for (let i = 0; i < 5; i++) await deliveryFailure(c.post(ARGS));
    expect(stats.connections).toBe(before);
  });

  it('a 429 is transient, after Retry-After in ms (at least a second); no retry of its own', async () => {
    const { seen, client } = await slackLike(
      json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '7' }),
    );
    const err = await deliveryFailure(client().post(ARGS));
    expect(err.kind).toBe('transient');
    expect(err.message).toBe('rate limited by Slack');
    expect(err.options).toEqual({ retryAfterMs: 7000 });
    expect(seen).toHaveLength(1);
    expectNoToken(err);
  });

  it('a 429 with Retry-After 0 waits a second; without a usable one it is transient with no wait', async () => {
    const zero = await slackLike(json(429, { ok: false }, { 'retry-after': '0' }));
    expect((await deliveryFailure(zero.client().post(ARGS))).options).toEqual({
      retryAfterMs: 1000,
    });
    await closeServer(server!);
    const none = await slackLike(json(429, { ok: false }));
    const err = await deliveryFailure(none.client().post(ARGS));
    expect(err.kind).toBe('transient');
    expect(err.options).toEqual({});
  });

  it.each([
    ['user_not_found', 'permanent', { unreachable: true }],
    ['user_disabled', 'permanent', { unreachable: true }],
    ['cannot_dm_bot', 'permanent', { unreachable: true }],
    ['messages_tab_disabled', 'permanent', { unreachable: true }],
    ['invalid_auth', 'permanent', {}],
    ['token_revoked', 'permanent', {}],
    // The bot token's owner is deactivated: nothing to say about the recipient.
    ['account_inactive', 'permanent', {}],
    ['invalid_blocks', 'permanent', {}],
    ['msg_too_long', 'permanent', {}],
    ['internal_error', 'transient', {}],
    ['fatal_error', 'transient', {}],
  ])('ok:false %s is %s', async (code, kind, options) => {
    const { client } = await slackLike(json(200, { ok: false, error: code }));
    const err = await deliveryFailure(client().post(ARGS));
    expect(err.kind).toBe(kind);
    expect(err.message).toBe(`slack: ${code}`);
    expect(err.options).toEqual(options);
    expectNoToken(err);
  });

  it('ok:false without a code, or no ok at all, is transient', async () => {
    const { client, seen } = await slackLike((req, res) =>
      json(200, seen.length === 1 ? { ok: false } : { channel: 'D1' })(req, res),
    );
    const c = client();
    for (let i = 0; i < 2; i++) {
      const err = await deliveryFailure(c.post(ARGS));
      expect([err.kind, err.message]).toEqual(['transient', 'slack: unknown_error']);
    }
  });

  it('any other HTTP status is transient', async () => {
    for (const status of [500, 502, 503, 404, 400]) {
      const { client } = await slackLike(json(status, { ok: false }));
      const err = await deliveryFailure(client().post(ARGS));
      expect([err.kind, err.message]).toEqual(['transient', `slack: HTTP ${status}`]);
      await closeServer(server!);
      server = null;
    }
  });

  it('a 200 whose body is not JSON (a proxy page) is transient', async () => {
    const { client } = await slackLike((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>Bad gateway</html>');
    });
    const err = await deliveryFailure(client().post(ARGS));
    expect([err.kind, err.message]).toEqual(['transient', 'slack: answer is not JSON']);
  });

  it('a connection reset before or during the answer is transient', async () => {
    const { client, seen } = await slackLike((req, res) => {
      if (seen.length === 1) return req.socket.destroy();
      // Headers and half a body, then the connection drops.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"ok":tr');
      setTimeout(() => req.socket.destroy(), 10);
    });
    const c = client();
    for (let i = 0; i < 2; i++) {
      const err = await deliveryFailure(c.post(ARGS));
      expect(err.kind).toBe('transient');
      expectNoToken(err);
    }
  });

  it('a connection refused is transient, and the message names no token', async () => {
    const c = new SlackPostMessage({ token: TOKEN, apiUrl: 'http://127.0.0.1:1/api/' });
    clients.push(c);
    const err = await deliveryFailure(c.post(ARGS));
    expect(err.kind).toBe('transient');
    expect(err.message).toMatch(/^slack: .*ECONNREFUSED/);
    expectNoToken(err);
  });

  it('an answer that does not come within the time-out is transient, and the request is dropped', async () => {
    let closed = false;
    const { client } = await slackLike((req) => req.socket.on('close', () => (closed = true)));
    const started = Date.now();
    const err = await deliveryFailure(client(150).post(ARGS));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect([err.kind, err.message]).toEqual(['transient', 'slack: no answer in 150 ms']);
    await expect.poll(() => closed).toBe(true);
    expectNoToken(err);
  });

  it('never shows the token when inspected or serialized', () => {
    const c = new SlackPostMessage({ token: TOKEN, apiUrl: 'https://slack.com/api/' });
    clients.push(c);
    expect(inspect(c, { depth: 10, showHidden: true })).not.toContain('secret-token');
    expect(JSON.stringify(c)).not.toContain('secret-token');
  });
});
