import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as a loopback server received it, body read to the end. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A node:http(s) request handler that reads each request's body, records the request in `seen`,
 * then lets `answer` reply.
 */
export function recording(
  seen: SeenRequest[],
  answer: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      answer(req, res);
    });
  };
}

/** A loopback server that records every request and counts its connections. */
export interface RecordingServer {
  server: Server;
  seen: SeenRequest[];
  stats: { connections: number };
  /** `http://127.0.0.1:<port>` */
  origin: string;
}

/** Starts a {@link RecordingServer} that lets `answer` reply to each request. */
export async function recordingServer(
  answer: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<RecordingServer> {
  const seen: SeenRequest[] = [];
  const stats = { connections: 0 };
  const server = createServer(recording(seen, answer));
  server.on('connection', () => (stats.connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, seen, stats, origin: `http://127.0.0.1:${port}` };
}

/** Closes `server` and every connection to it, idle or not. */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
