import type { ServerResponse } from 'node:http';

/**
 * A refusal of a request to `/slack/events`, sent as the contract's JSON error
 * `{ error: { code, message } }`. Messages are written for the caller; nothing internal (stack,
 * parser output, what Herald logged) goes into them.
 */
export class SlackRequestError extends Error {
  override readonly name = 'SlackRequestError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** Answers with this error unless a response has already started (then there is nothing to do). */
  send(res: ServerResponse): void {
    if (res.headersSent) return;
    const body = JSON.stringify({ error: { code: this.code, message: this.message } });
    res.writeHead(this.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }
}
