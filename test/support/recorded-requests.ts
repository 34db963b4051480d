import type { IncomingMessage, ServerResponse } from 'node:http';

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
