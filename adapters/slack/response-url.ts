import { HttpClientError } from '../keep-alive-client.js';
import { OriginClients } from '../origin-clients.js';

/** Slack answers a `response_url` post in well under a second; past this it counts as failed. */
const RESPONSE_URL_TIMEOUT_MS = 10_000;
/** Slack's answer is `ok` or a short JSON error. */
const MAX_ANSWER_BYTES = 64 * 1024;
/** Slack's hooks host (and GovSlack's): a handful at most; past this, the least used is let go. */
const MAX_ORIGINS = 4;
/** Under Slack's own idle cut-off, so a reply never goes into a connection it dropped. */
const IDLE_SOCKET_MS = 30_000;
const HEADERS = { 'content-type': 'application/json; charset=utf-8' };

/** A `response_url` post that did not answer 2xx, or got no answer. */
export class ResponseUrlError extends Error {
  override readonly name = 'ResponseUrlError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The message a `response_url` takes (`response_type`, `text`, `mrkdwn`, …), sent as JSON. */
export type ResponseMessage = Record<string, unknown>;

/**
 * Replies to slash commands through their `response_url`, as JSON over keep-alive connections
 * (`KeepAliveClient`, one per origin), instead of Bolt's `respond()`: a WHATWG `fetch` per reply,
 * whose request, response and stream objects cost 0.5–0.9 ms of CPU a reply, a third of a
 * command (`scripts/command-microbench.ts`). The URL comes from the command's payload, which the
 * request guard has verified as Slack's.
 */
export class ResponseUrlReplies {
  private readonly clients = new OriginClients(
    {
      timeoutMs: RESPONSE_URL_TIMEOUT_MS,
      maxBodyBytes: MAX_ANSWER_BYTES,
      idleMs: IDLE_SOCKET_MS,
    },
    MAX_ORIGINS,
  );

  /** Posts `message` to `responseUrl`; resolves on a 2xx, rejects with a {@link ResponseUrlError}. */
  async post(responseUrl: string, message: ResponseMessage): Promise<void> {
    let url: URL;
    try {
      url = new URL(responseUrl);
    } catch {
      throw new ResponseUrlError('response_url is not a URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new ResponseUrlError(`response_url has an unsupported scheme ${url.protocol}`);
    let status: number;
    try {
      const answer = await this.clients
        .for(url.origin)
        .post(`${url.pathname}${url.search}`, HEADERS, JSON.stringify(message));
      status = answer.status;
    } catch (err) {
      const code = err instanceof HttpClientError ? err.code : 'EPROTO';
      throw new ResponseUrlError(`response_url: no answer (${code})`);
    }
    if (status < 200 || status >= 300)
      throw new ResponseUrlError(`response_url answered HTTP ${status}`, status);
  }

  /** Closes the kept-alive connections (on shutdown). */
  close(): void {
    this.clients.close();
  }
}
