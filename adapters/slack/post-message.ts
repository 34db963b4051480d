import http from 'node:http';
import https from 'node:https';
import { DeliveryError } from '../../src/delivery/ports.js';
import { platformError, rateLimited } from './send-errors.js';

/**
 * How long a DM may take before it counts as failed (transient): the WebClient's time-out this
 * client replaces, so a stuck send frees its slot no later than before. `chat.postMessage` answers
 * in well under a second; ten seconds is also inside the delivery lease (12 s), so even a missed
 * renewal cannot let another replica claim a send that is still waiting here.
 */
export const POST_MESSAGE_TIMEOUT_MS = 10_000;

/** More than any `chat.postMessage` answer (it echoes the message): past it, something is wrong. */
const MAX_ANSWER_BYTES = 1 << 20;

export interface SlackPostMessageOptions {
  /** The bot token (`xoxb-…`): sent as `Authorization: Bearer`, never logged nor in an error. */
  token: string;
  /** The Web API base the WebClient uses (`SLACK_API_URL`), e.g. `https://slack.com/api/`. */
  apiUrl: string;
  timeoutMs?: number;
  /** Sockets kept open to Slack at most (default: as many as sends in flight). */
  maxSockets?: number;
}

/**
 * `chat.postMessage` as JSON over node:http(s) with one keep-alive agent: the delivery engine's one
 * Web API call, without the WebClient's queue, form encoding, debug logging and fetch stack, which
 * cost about a millisecond of CPU per message. Everything else (Bolt, views, users.*) keeps the
 * WebClient. Fails fast with a classified `DeliveryError` and never retries: the engine owns
 * retries and `Retry-After` waits. The classification is `classifySlackError`'s: 429 → transient
 * after `Retry-After`; `ok: false` → unreachable / permanent / transient by its code; any other
 * status, a body that is not JSON, a network error or the time-out → transient.
 */
export class SlackPostMessage {
  readonly #agent: http.Agent;
  readonly #request: typeof http.request;
  readonly #target: { hostname: string; port: string; path: string };
  /** The headers every call shares; the token is here and nowhere else. */
  readonly #headers: Readonly<Record<string, string>>;
  readonly #timeoutMs: number;

  constructor(opts: SlackPostMessageOptions) {
    const base = new URL(opts.apiUrl.endsWith('/') ? opts.apiUrl : `${opts.apiUrl}/`);
    const secure = base.protocol === 'https:';
    if (!secure && base.protocol !== 'http:') throw new Error(`slack: unsupported API URL scheme`);
    const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets ?? Infinity };
    this.#agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.#request = secure ? https.request : http.request;
    this.#target = {
      // An IPv6 literal comes bracketed in a URL, not in a request's host name.
      hostname: base.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: base.port,
      path: `${base.pathname}chat.postMessage`,
    };
    this.#timeoutMs = opts.timeoutMs ?? POST_MESSAGE_TIMEOUT_MS;
    this.#headers = {
      'content-type': 'application/json; charset=utf-8',
      accept: 'application/json',
      authorization: `Bearer ${opts.token}`,
    };
  }

  /**
   * Posts one message; `body` is the `chat.postMessage` arguments, already JSON. Resolves on
   * `ok: true`, rejects with a `DeliveryError` otherwise.
   */
  post(body: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err: DeliveryError | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const req = this.#request(
        {
          ...this.#target,
          method: 'POST',
          agent: this.#agent,
          headers: { ...this.#headers, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status !== 200) {
            // Read to the end all the same, so the connection can serve the next message.
            res.resume();
            if (status === 429) {
              const retryAfter = Number.parseInt(String(res.headers['retry-after']), 10);
              settle(
                Number.isNaN(retryAfter)
                  ? new DeliveryError('transient', 'slack: HTTP 429 without Retry-After')
                  : rateLimited(retryAfter),
              );
            } else settle(new DeliveryError('transient', `slack: HTTP ${status}`));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_ANSWER_BYTES) {
              settle(new DeliveryError('transient', 'slack: answer too large'));
              req.destroy();
            } else chunks.push(chunk);
          });
          res.on('end', () => settle(answerError(chunks)));
          res.on('error', (err) => settle(networkError(err)));
          // The connection dropped halfway through the answer.
          res.on('close', () => {
            if (!res.complete) settle(new DeliveryError('transient', 'slack: answer cut short'));
          });
        },
      );
      const timer = setTimeout(() => {
        settle(new DeliveryError('transient', `slack: no answer in ${this.#timeoutMs} ms`));
        req.destroy();
      }, this.#timeoutMs);
      req.on('error', (err) => settle(networkError(err)));
      req.end(body);
    });
  }

  /** Closes the kept-alive connections (on shutdown, once nothing is sent any more). */
  close(): void {
    this.#agent.destroy();
  }
}

/** The error a 200 answer stands for, or null for `ok: true`. */
function answerError(chunks: Buffer[]): DeliveryError | null {
  let answer: unknown;
  try {
    answer = JSON.parse(
      chunks.length === 1 ? chunks[0]!.toString() : Buffer.concat(chunks).toString(),
    );
  } catch {
    return new DeliveryError('transient', 'slack: answer is not JSON');
  }
  const a = (answer ?? {}) as { ok?: unknown; error?: unknown };
  if (a.ok === true) return null;
  return platformError(typeof a.error === 'string' ? a.error : 'unknown_error');
}

/** A connection refused or reset, DNS, TLS: Slack may well take the message next time. */
const networkError = (err: Error): DeliveryError =>
  new DeliveryError('transient', `slack: ${err.message || (err as NodeJS.ErrnoException).code}`);
