import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ResponseUrlError, ResponseUrlReplies } from '../../adapters/slack/response-url.js';
import { closeServer, recordingServer } from '../support/recorded-requests.js';

// Slash-command replies through `response_url` against a loopback server: what is posted, that one
// connection serves many replies, and that every answer but a 2xx fails the reply.

type Answer = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server | null = null;
let replies: ResponseUrlReplies | null = null;
afterEach(async () => {
  replies?.close();
  replies = null;
  if (server) await closeServer(server);
  server = null;
});

/** A hooks-like server answering with `answer`; counts connections; records every request. */
async function hooksLike(answer: Answer) {
  const { server: started, seen, stats, origin } = await recordingServer(answer);
  server = started;
  replies = new ResponseUrlReplies();
  return { seen, stats, replies, url: (path: string) => `${origin}${path}` };
}

const status =
  (code: number, body = 'ok'): Answer =>
  (_req, res) =>
    res.writeHead(code, { 'content-type': 'text/plain' }).end(body);

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the reply to fail');
    },
    (err: unknown) => err as ResponseUrlError,
  );

describe('response_url replies', () => {
  it('posts the message as JSON to the URL’s path and query, three replies on one connection', async () => {
    const { seen, stats, replies: r, url } = await hooksLike(status(200));
    const message = { response_type: 'ephemeral', text: 'Incident #4 — “DB” <@U1>', mrkdwn: false };
    for (const n of [1, 2, 3]) await r.post(url(`/commands/T1/${n}/tok?x=${n}`), message);

    expect(seen.map((s) => [s.method, s.url])).toEqual([
      ['POST', '/commands/T1/1/tok?x=1'],
      ['POST', '/commands/T1/2/tok?x=2'],
      ['POST', '/commands/T1/3/tok?x=3'],
    ]);
    expect(seen[0]!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(seen[0]!.headers['content-length'])).toBe(
      Buffer.byteLength(JSON.stringify(message)),
    );
    expect(JSON.parse(seen[0]!.body)).toEqual(message);
    expect(stats.connections).toBe(1);
  });

  it('fails on any answer but a 2xx, with its status', async () => {
    for (const code of [404, 410, 429, 500]) {
      const { url } = await hooksLike(status(code, 'expired_url'));
      const err = await failure(replies!.post(url('/commands/x'), { text: 'hi' }));
      expect(err).toBeInstanceOf(ResponseUrlError);
      expect(err.status).toBe(code);
      expect(err.message).toBe(`response_url answered HTTP ${code}`);
      replies!.close();
      await closeServer(server!);
      server = null;
    }
  });

  it('fails when the server hangs up without an answer', async () => {
    const { url } = await hooksLike((req) => req.socket.destroy());
    const err = await failure(replies!.post(url('/commands/x'), { text: 'hi' }));
    expect(err).toBeInstanceOf(ResponseUrlError);
    expect(err.status).toBeUndefined();
    expect(err.message).toMatch(/^response_url: no answer \(E[A-Z]+\)$/);
  });

  it('refuses a URL that is not http(s), or not a URL, without a request', async () => {
    const { seen } = await hooksLike(status(200));
    for (const bad of ['ftp://127.0.0.1/x', 'javascript:alert(1)', 'not a url', '']) {
      const err = await failure(replies!.post(bad, { text: 'hi' }));
      expect(err).toBeInstanceOf(ResponseUrlError);
      expect(err.message).toMatch(/^response_url (is not a URL|has an unsupported scheme)/);
    }
    expect(seen).toEqual([]);
  });
});
