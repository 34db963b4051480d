import { DeliveryError } from '../../src/delivery/ports.js';
import { HttpClientError, KeepAliveClient, type HttpAnswer } from '../keep-alive-client.js';
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
}

/**
 * `chat.postMessage` as JSON over keep-alive connections (`KeepAliveClient`): the delivery
 * engine's one Web API call, without the WebClient's queue, form encoding, debug logging and fetch
 * stack, which cost about a millisecond of CPU per message. Everything else (Bolt, views, users.*)
 * keeps the WebClient. Fails fast with a classified `DeliveryError` and never retries: the engine
 * owns retries and `Retry-After` waits. The classification is `classifySlackError`'s: 429 →
 * transient after `Retry-After`; `ok: false` → unreachable / permanent / transient by its code; any
 * other status, a body that is not JSON, a network error or the time-out → transient.
 */
export class SlackPostMessage {
  readonly #client: KeepAliveClient;
  readonly #path: string;
  /** The headers every call shares; the token is here and nowhere else. */
  readonly #headers: Readonly<Record<string, string>>;
  readonly #timeoutMs: number;

  constructor(opts: SlackPostMessageOptions) {
    const base = new URL(opts.apiUrl.endsWith('/') ? opts.apiUrl : `${opts.apiUrl}/`);
    if (base.protocol !== 'https:' && base.protocol !== 'http:')
      throw new Error(`slack: unsupported API URL scheme`);
    this.#timeoutMs = opts.timeoutMs ?? POST_MESSAGE_TIMEOUT_MS;
    this.#client = new KeepAliveClient({
      origin: base.origin,
      timeoutMs: this.#timeoutMs,
      maxBodyBytes: MAX_ANSWER_BYTES,
    });
    this.#path = `${base.pathname}chat.postMessage`;
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
  async post(body: string, wentOut?: () => void): Promise<void> {
    let answer: HttpAnswer;
    try {
      answer = await this.#client.post(this.#path, this.#headers, body, wentOut);
    } catch (err) {
      throw networkError(err, this.#timeoutMs);
    }
    const error = answerError(answer);
    if (error) throw error;
  }

  /** Closes the kept-alive connections (on shutdown, once nothing is sent any more). */
  close(): void {
    this.#client.close();
  }
}

/** The error an answer stands for, or null for a 200 with `ok: true`. */
function answerError({ status, headers, body, truncated }: HttpAnswer): DeliveryError | null {
  if (status === 429) {
    const retryAfter = Number.parseInt(headers['retry-after'] ?? '', 10);
    return Number.isNaN(retryAfter)
      ? new DeliveryError('transient', 'slack: HTTP 429 without Retry-After')
      : rateLimited(retryAfter);
  }
  if (status !== 200) return new DeliveryError('transient', `slack: HTTP ${status}`);
  if (truncated) return new DeliveryError('transient', 'slack: answer too large');
  let answer: unknown;
  try {
    answer = JSON.parse(body.toString());
  } catch {
    return new DeliveryError('transient', 'slack: answer is not JSON');
  }
  const a = (answer ?? {}) as { ok?: unknown; error?: unknown };
  if (a.ok === true) return null;
  return platformError(typeof a.error === 'string' ? a.error : 'unknown_error');
}

/** A connection refused or reset, DNS, TLS, no answer in time: Slack may take it next time. */
function networkError(err: unknown, timeoutMs: number): DeliveryError {
  if (err instanceof HttpClientError && err.code === 'ETIMEDOUT')
    return new DeliveryError('transient', `slack: no answer in ${timeoutMs} ms`);
  const e = err as Partial<HttpClientError>;
  return new DeliveryError('transient', `slack: ${e.message || e.code || String(err)}`);
}
