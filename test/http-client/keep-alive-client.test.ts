import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  HttpClientError,
  KeepAliveClient,
  type KeepAliveClientOptions,
} from '../../adapters/keep-alive-client.js';
import { repoRoot } from '../support/child.js';
import { recording, type SeenRequest } from '../support/recorded-requests.js';

// The delivery engine's HTTP/1.1 client against real node:http(s) servers on loopback (and a raw
// TCP server for answers node:http would never write): what it sends, how it reuses connections,
// and every way an exchange can fail.

const CERT = readFileSync(new URL('../support/tls/localhost-cert.pem', import.meta.url));
const KEY = readFileSync(new URL('../support/tls/localhost-key.pem', import.meta.url));

type Answer = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest[]) => void;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A node:http(s) server answering with `answer`, counting connections, recording requests. */
async function server(answer: Answer, opts: { tls?: boolean; keepAliveMs?: number } = {}) {
  const seen: SeenRequest[] = [];
  const stats = { connections: 0 };
  const handler = recording(seen, (req, res) => answer(req, res, seen));
  const srv = opts.tls
    ? https.createServer({ cert: CERT, key: KEY }, handler)
    : http.createServer(handler);
  if (opts.keepAliveMs !== undefined) srv.keepAliveTimeout = opts.keepAliveMs;
  const closeListeners: Array<() => void> = [];
  const secureListeners: Array<(socket: TLSSocket) => void> = [];
  srv.on(opts.tls ? 'secureConnection' : 'connection', (socket: net.Socket) => {
    stats.connections += 1;
    if (socket instanceof TLSSocket) secureListeners.forEach((listener) => listener(socket));
    socket.on('close', () => closeListeners.forEach((listener) => listener()));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        srv.closeAllConnections();
        srv.close(() => resolve());
      }),
  );
  const { port } = srv.address() as AddressInfo;
  return {
    seen,
    stats,
    port,
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    /** Called as each connection closes (either side). */
    onClose: (listener: () => void) => closeListeners.push(listener),
    /** Called with each TLS connection once its handshake is done. */
    onSecureConnection: (listener: (socket: TLSSocket) => void) => secureListeners.push(listener),
  };
}

function client(origin: string, opts: Partial<KeepAliveClientOptions> = {}): KeepAliveClient {
  const c = new KeepAliveClient({ origin, timeoutMs: 2_000, maxBodyBytes: 4096, ...opts });
  cleanups.push(() => c.close());
  return c;
}

const ok: Answer = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"ok":true}');
};

/** A client failure's code. */
async function failure(p: Promise<unknown>): Promise<HttpClientError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpClientError);
  return err as HttpClientError;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

describe('the keep-alive HTTP/1.1 client', () => {
  it('POSTs the body as UTF-8 with its length, the Host, the given headers, and reads the answer', async () => {
    const s = await server((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json', 'x-answer': 'yes' });
      res.end('{"id":"1:ü"}');
    });
    const body = JSON.stringify({ text: 'héllo — ✓ 😀' });
    const answer = await client(`${s.url}/ignored/path`).post(
      '/api/chat.postMessage?x=1',
      { ...JSON_HEADERS, authorization: 'Bearer t' },
      body,
    );
    expect(answer.status).toBe(201);
    expect(answer.headers['x-answer']).toBe('yes');
    expect(answer.body.toString('utf8')).toBe('{"id":"1:ü"}');
    expect(s.seen).toEqual([
      expect.objectContaining({ method: 'POST', url: '/api/chat.postMessage?x=1', body }),
    ]);
    const headers = s.seen[0]!.headers;
    expect(headers.host).toBe(`127.0.0.1:${s.port}`);
    expect(Number(headers['content-length'])).toBe(Buffer.byteLength(body));
    expect(headers.authorization).toBe('Bearer t');
    expect(headers.connection).toBe('keep-alive');
  });

  it('one connection for requests in a row, no more than were in flight at once, error answers included', async () => {
    const s = await server((req, res, seen) =>
      seen.length % 3 === 0 ? ok(req, res, seen) : res.writeHead(503).end('busy'),
    );
    const c = client(s.url);
    for (let i = 0; i < 20; i++) await c.post('/x', JSON_HEADERS, '{}');
    expect(s.stats.connections).toBe(1);
    for (let round = 0; round < 5; round++)
      await Promise.all(Array.from({ length: 8 }, () => c.post('/x', JSON_HEADERS, '{}')));
    expect(s.stats.connections).toBe(8);
    expect(s.seen).toHaveLength(60);
  });

  it('tells when each request goes out: once its new connection is up, over TCP and TLS, or as it is written on an open one', async () => {
    for (const tls of [false, true]) {
      const s = await server(ok, { tls });
      const c = client(s.url, tls ? { ca: CERT } : {});
      const told: string[] = [];
      const first = c.post('/x', {}, '{}', () => told.push('first'));
      // Its connection is not up yet: the request waits in it, not out.
      expect(told).toEqual([]);
      await first;
      const second = c.post('/x', {}, '{}', () => told.push('second'));
      // On the open connection it is out as soon as it is written, before post() returns.
      expect(told).toEqual(['first', 'second']);
      await second;
      const parallel = [1, 2].map((n) => c.post('/x', {}, '{}', () => told.push(`parallel ${n}`)));
      // Of two at once, the first took the open connection; the second waits for one of its own.
      expect(told).toEqual(['first', 'second', 'parallel 1']);
      await Promise.all(parallel);
      expect(told).toEqual(['first', 'second', 'parallel 1', 'parallel 2']);
      expect(s.stats.connections).toBe(2);
    }
    // A connection that never comes up: the request fails, and nothing is told.
    const closed = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const told: string[] = [];
    const refused = await failure(
      client(`http://127.0.0.1:${closed}`).post('/x', {}, '{}', () => told.push('refused')),
    );
    expect(refused.code).toBe('ECONNREFUSED');
    expect(told).toEqual([]);
  });

  it('a chunked answer, and one that closes the connection, which the next request does not reuse', async () => {
    const s = await server((_req, res, seen) => {
      if (seen.length === 2) res.setHeader('connection', 'close');
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('one, ');
      res.end('two');
    });
    const c = client(s.url);
    for (let i = 0; i < 3; i++)
      expect((await c.post('/x', {}, '')).body.toString()).toBe('one, two');
    expect(s.stats.connections).toBe(2);
  });

  it('a connection the server closed while idle is not used again; its Keep-Alive hint is heeded', async () => {
    // node:http's server says `Keep-Alive: timeout=5` and closes after 5 s: the client stops
    // using a connection a second before.
    const s = await server(ok, { keepAliveMs: 150 });
    const c = client(s.url);
    await c.post('/x', {}, '');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await c.post('/x', {}, '');
    expect(s.stats.connections).toBe(2);
    const hinted = await server((_req, res) => {
      res.writeHead(200, { 'keep-alive': 'timeout=1', 'content-length': '0' });
      res.end();
    });
    const h = client(hinted.url);
    await h.post('/x', {}, '');
    await h.post('/x', {}, '');
    expect(hinted.stats.connections).toBe(2);
  });

  it('a connection idle longer than idleMs is closed rather than used', async () => {
    const s = await server(ok);
    const c = client(s.url, { idleMs: 100 });
    await c.post('/x', {}, '');
    await c.post('/x', {}, '');
    expect(s.stats.connections).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await c.post('/x', {}, '');
    expect(s.stats.connections).toBe(2);
  });

  it('idle connections past their time are closed when another goes idle, not left open', async () => {
    const s = await server(ok);
    const closed = { n: 0 };
    const c = client(s.url, { idleMs: 100 });
    await Promise.all([1, 2, 3].map(() => c.post('/x', {}, '')));
    expect(s.stats.connections).toBe(3);
    s.onClose(() => (closed.n += 1));
    // One connection stays in use; the two beneath it in the idle stack grow old.
    for (let i = 0; i < 8; i++) {
      await c.post('/x', {}, '');
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await expect.poll(() => closed.n).toBe(2);
    expect(s.stats.connections).toBe(3);
  });

  it('refuses a header or target that would smuggle a line, sending nothing', async () => {
    const s = await server(ok);
    const c = client(s.url);
    for (const [target, headers] of [
      ['/x', { 'x-id': 'a\r\nX-Evil: 1' }],
      ['/x', { 'x-id': 'a\nb' }],
      ['/x', { 'x-id': 'a\u0000' }],
      // Not ASCII: node:http would send it as Latin-1, a server might read UTF-8.
      ['/x', { 'x-id': 'a:personal-1 ü' }],
      ['/x', { 'bad name': 'v' }],
      ['/x HTTP/1.1\r\nX-Evil: 1\r\n\r\nPOST /y', {}],
      ['x', {}],
    ] as const) {
      expect((await failure(c.post(target, headers, '{}'))).code).toBe('ERR_INVALID_CHAR');
    }
    expect(s.stats.connections).toBe(0);
    await c.post('/x', { 'x-id': 'a:personal-1 ~!' }, '{}');
    expect(s.seen).toHaveLength(1);
  });

  it('no answer within the time-out: ETIMEDOUT, and the connection is closed', async () => {
    let closed = false;
    const s = await server((req) => req.socket.on('close', () => (closed = true)));
    const err = await failure(client(s.url, { timeoutMs: 150 }).post('/x', {}, ''));
    expect(err.code).toBe('ETIMEDOUT');
    expect(err.message).toBe('no answer within 150 ms');
    await expect.poll(() => closed).toBe(true);
  });

  it('a reset before the answer or halfway through it is ECONNRESET; the next request opens a new connection', async () => {
    const s = await server((req, res, seen) => {
      if (seen.length === 1) return req.socket.destroy();
      if (seen.length === 2) {
        res.writeHead(200, { 'content-length': '100' });
        res.write('{"ok":tr');
        setTimeout(() => req.socket.destroy(), 10);
        return;
      }
      ok(req, res, seen);
    });
    const c = client(s.url);
    expect((await failure(c.post('/x', {}, ''))).code).toBe('ECONNRESET');
    expect((await failure(c.post('/x', {}, ''))).code).toBe('ECONNRESET');
    expect((await c.post('/x', {}, '')).status).toBe(200);
    expect(s.stats.connections).toBe(3);
  });

  it('a connection refused carries its code', async () => {
    const err = await failure(client('http://127.0.0.1:1').post('/x', {}, ''));
    expect(err.code).toBe('ECONNREFUSED');
  });

  /** A TCP server that writes `raw` after each request's head and counts connections. */
  async function rawServer(raw: (n: number) => string) {
    const stats = { connections: 0, requests: 0 };
    const srv = net.createServer((socket) => {
      stats.connections += 1;
      let buffered = '';
      socket.on('data', (chunk) => {
        buffered += chunk.toString('latin1');
        while (buffered.includes('\r\n\r\n')) {
          buffered = buffered.slice(buffered.indexOf('\r\n\r\n') + 4);
          stats.requests += 1;
          socket.write(raw(stats.requests));
        }
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => srv.close(() => resolve())));
    const { port } = srv.address() as AddressInfo;
    return { stats, url: `http://127.0.0.1:${port}` };
  }

  it('an answer that is not HTTP/1.1 is EPROTO, and its connection is not reused', async () => {
    const s = await rawServer((n) =>
      n === 1
        ? 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok'
        : 'HTTP/1.1 204 No Content\r\n\r\n',
    );
    const c = client(s.url);
    expect((await failure(c.post('/x', {}, ''))).code).toBe('EPROTO');
    expect((await c.post('/x', {}, '')).status).toBe(204);
    expect(s.stats.connections).toBe(2);
  });

  it('bytes after an answer, or while idle, make the connection one not to reuse', async () => {
    const s = await rawServer((n) =>
      n === 1
        ? 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n'
        : 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    );
    const c = client(s.url);
    expect((await c.post('/x', {}, '')).body.toString()).toBe('ok');
    expect((await c.post('/x', {}, '')).body.toString()).toBe('ok');
    expect(s.stats.connections).toBe(2);
  });

  it('retire(): idle connections close at once, one in use once answered; nothing fails', async () => {
    const held: ServerResponse[] = [];
    const s = await server((req, res, seen) =>
      seen.length === 3 ? held.push(res) : ok(req, res, seen),
    );
    let closed = 0;
    s.onClose(() => (closed += 1));
    const c = client(s.url);
    // Two connections: the first two requests at once, both then idle; a third holds one.
    await Promise.all([c.post('/x', {}, ''), c.post('/x', {}, '')]);
    expect(c.openConnections).toBe(2);
    const pending = c.post('/x', {}, '');
    await expect.poll(() => held.length).toBe(1);
    c.retire();
    expect(c.openConnections).toBe(1);
    await expect.poll(() => closed).toBe(1);
    held[0]!.writeHead(200).end('late');
    expect((await pending).body.toString()).toBe('late');
    expect(c.openConnections).toBe(0);
    await expect.poll(() => closed).toBe(2);
    // Still usable, without keeping what it opens.
    expect((await c.post('/x', {}, '')).status).toBe(200);
    expect(c.openConnections).toBe(0);
    expect(s.stats.connections).toBe(3);
  });

  it('close() fails a request in flight with ECONNRESET', async () => {
    const s = await server(() => {});
    const c = client(s.url);
    const pending = c.post('/x', {}, '');
    await expect.poll(() => s.seen.length).toBe(1);
    c.close();
    expect((await failure(pending)).code).toBe('ECONNRESET');
  });

  it('over TLS: verifies the certificate against the given authorities, by host name or address, and keeps the connection', async () => {
    const s = await server(ok, { tls: true });
    const byAddress = client(s.url, { ca: CERT });
    for (let i = 0; i < 3; i++) expect((await byAddress.post('/x', {}, '{}')).status).toBe(200);
    expect(s.stats.connections).toBe(1);
    const byName = client(`https://localhost:${s.port}`, { ca: CERT });
    expect((await byName.post('/x', {}, '{}')).status).toBe(200);
    expect(s.seen.at(-1)!.headers.host).toBe(`localhost:${s.port}`);
    // A new connection resumes the TLS session of the one before (a shorter handshake).
    const resumed: boolean[] = [];
    s.onSecureConnection((socket) => resumed.push(socket.isSessionReused()));
    const later = client(s.url, { ca: CERT, idleMs: 50 });
    await later.post('/x', {}, '{}');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await later.post('/x', {}, '{}');
    expect(resumed).toEqual([false, true]);
    // Node's own authorities do not know the test's certificate.
    const untrusted = await failure(client(s.url).post('/x', {}, '{}'));
    expect(untrusted.code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
    expect(s.seen).toHaveLength(6);
  });

  it('idle connections do not keep the process alive; one in use does until answered', async () => {
    const s = await server((req, res, seen) => setTimeout(() => ok(req, res, seen), 300), {
      keepAliveMs: 60_000,
    });
    const script = `
      import { KeepAliveClient } from './adapters/keep-alive-client.ts';
      const c = new KeepAliveClient({ origin: ${JSON.stringify(s.url)}, timeoutMs: 5000, maxBodyBytes: 1024 });
      const a = await c.post('/x', {}, '');
      console.log('answered', a.status);`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: repoRoot, timeout: 20_000 },
    );
    expect(stdout.trim()).toBe('answered 200');
    expect(s.stats.connections).toBe(1);
  });
});
