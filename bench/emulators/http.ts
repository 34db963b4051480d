import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** When each request reached the server (performance.now()), as near as the server can tell. */
const arrivals = new WeakMap<IncomingMessage, number>();
/** When a connection was accepted, until its first request is read. */
const accepted = new WeakMap<Socket, number>();

/**
 * How long ago `req` reached the server. A busy emulator reads a request some loop turns after it
 * arrived, and a new connection's first request a few more (accept, then read, then parse); judged
 * by the time it is read, a burst on new connections would look later than it was and bunch with
 * the requests after it. The first request on a connection is taken to have arrived with the
 * connection (the client writes it as soon as it is connected), later ones at their `request`
 * event.
 */
export function arrivalDelayMs(req: IncomingMessage): number {
  return performance.now() - (arrivals.get(req) ?? performance.now());
}

/** Reads a request body as text (the emulators' payloads are small). */
export async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Form or JSON body as string fields (JSON values other than strings are kept as JSON text). */
export function fields(req: IncomingMessage, raw: string): Record<string, string> {
  if ((req.headers['content-type'] ?? '').includes('application/json')) {
    const parsed = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    );
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * An HTTP server on 127.0.0.1 at a free port; loopback only, by design. It outlives a client that
 * dies mid-request: a body cut short is dropped (`onAborted`), a malformed request gets a 400, a
 * reset socket is closed, and none of them reaches the process as an unhandled error.
 */
export async function listenLoopback(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  onAborted: () => void = () => {},
): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const first = accepted.get(req.socket);
    accepted.delete(req.socket);
    arrivals.set(req, first ?? performance.now());
    handler(req, res).catch((err: unknown) => {
      // The client went away before its body was whole: nobody is left to answer.
      if (req.destroyed || (err as NodeJS.ErrnoException).code === 'ECONNRESET') {
        onAborted();
        res.destroy();
      } else if (!res.headersSent) json(res, 500, { ok: false, error: (err as Error).message });
      else res.destroy();
    });
  });
  server.on('connection', (socket: Socket) => accepted.set(socket, performance.now()));
  // A request that is not HTTP, or a socket reset mid-headers: answer 400 if the socket still
  // takes it, otherwise just close it.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  // Herald keeps connections alive; the emulators must not cut them between sends.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
