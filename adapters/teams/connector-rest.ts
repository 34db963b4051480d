import { HttpClientError, type HttpAnswer } from '../keep-alive-client.js';
import { OriginClients } from '../origin-clients.js';

/**
 * A connector call may not hang a delivery slot: past this long without its whole answer, the
 * call fails and the engine retries it like a 5xx.
 */
export const CONNECTOR_TIMEOUT_MS = 15_000;

/**
 * How long an idle connection is kept for the next send when the connector does not say (a
 * `Keep-Alive: timeout=…` answer shortens it): well under the idle cut-off of Azure's front doors.
 */
const IDLE_SOCKET_MS = 30_000;

/**
 * Connector origins with a client of their own: Teams has a handful of regional ones. Past this,
 * the one used least recently is retired, so that service URLs from many tenants or clouds cannot
 * pile up clients and their idle connections.
 */
export const MAX_ORIGINS = 16;

/** Of an answer's body, what is kept: an error body is a few hundred bytes. */
const MAX_BODY_BYTES = 64 * 1024;

/** What the connector's error body carries (`{ "error": { "code", "message" } }`). */
interface ErrorBody {
  error?: { code?: unknown; message?: unknown };
}

/**
 * A failed connector call, shaped like the SDK's `RestError` so that `connectorDeliveryError`
 * classifies it exactly as it classified the SDK's: `statusCode` and the response's headers when
 * an answer came, the error body's `code` and `message` (or the raw body), or the socket's error
 * code (`ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`) when none did.
 */
export class ConnectorRestError extends Error {
  override readonly name = 'ConnectorRestError';
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly statusCode?: number,
    readonly response?: { status: number; headers: Record<string, string | string[] | undefined> },
  ) {
    super(message);
  }
}

export interface ConnectorPost {
  /** The conversation reference's `serviceUrl` (Teams': regional, with a trailing slash). */
  serviceUrl: string;
  conversationId: string;
  /** The activity, already JSON. */
  body: string;
  /** The bot's bearer token; null when authentication is off (no `Authorization` header). */
  token: string | null;
  /** Called once the request is out (see `KeepAliveClient.post`). */
  wentOut?: (() => void) | undefined;
}

/**
 * The one Bot Framework Connector call proactive messages need, `SendToConversation`
 * (`POST {serviceUrl}/v3/conversations/{id}/activities`), over keep-alive connections
 * (`KeepAliveClient`, one per connector origin): the SDK's connector client built a pipeline (and
 * a connection) per message. One attempt per call: the delivery engine owns retries and
 * `Retry-After`.
 */
export class ConnectorRest {
  /** Parsed service URLs: a handful per deployment (Teams' regions). */
  private readonly bases = new Map<string, URL>();
  /** A client per connector origin. */
  private readonly clients: OriginClients;

  constructor(timeoutMs = CONNECTOR_TIMEOUT_MS, maxOrigins = MAX_ORIGINS) {
    this.clients = new OriginClients(
      { timeoutMs, maxBodyBytes: MAX_BODY_BYTES, idleMs: IDLE_SOCKET_MS },
      maxOrigins,
    );
  }

  /** Posts one activity; resolves on a 2xx, rejects with a {@link ConnectorRestError}. */
  async sendToConversation(post: ConnectorPost): Promise<void> {
    const base = this.base(post.serviceUrl);
    const path = `${base.pathname}v3/conversations/${encodeURIComponent(post.conversationId)}/activities`;
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      accept: 'application/json',
      'x-ms-conversation-id': post.conversationId,
      'user-agent': 'Microsoft-BotFramework/3.1 Herald',
    };
    if (post.token !== null) headers.authorization = `Bearer ${post.token}`;
    let answer: HttpAnswer;
    try {
      answer = await this.clients.for(base.origin).post(path, headers, post.body, post.wentOut);
    } catch (err) {
      const e = err instanceof HttpClientError ? err : new HttpClientError(String(err), 'EPROTO');
      throw new ConnectorRestError(e.message, e.code);
    }
    if (answer.status >= 200 && answer.status < 300) return;
    throw failure(answer);
  }

  /**
   * Closes every connection, idle or in use (tests, benches). Herald need not call it: idle
   * keep-alive connections do not hold the process open.
   */
  close(): void {
    this.clients.close();
  }

  /** The service URL with one trailing slash: `…/amer` and `…/amer/` are the same connector. */
  private base(serviceUrl: string): URL {
    let url = this.bases.get(serviceUrl);
    if (!url) {
      url = new URL(serviceUrl.endsWith('/') ? serviceUrl : `${serviceUrl}/`);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new ConnectorRestError(`unsupported service URL scheme ${url.protocol}`, 'EPROTO');
      }
      if (this.bases.size > 64) this.bases.clear();
      this.bases.set(serviceUrl, url);
    }
    return url;
  }
}

/** A connector's error answer, with its status, headers and error body's code and message. */
function failure({ status, headers, body }: HttpAnswer): ConnectorRestError {
  const text = body.toString('utf8');
  let code: string | undefined;
  let message = text;
  try {
    const { error } = JSON.parse(text) as ErrorBody;
    if (typeof error?.code === 'string') code = error.code;
    if (typeof error?.message === 'string') message = error.message;
  } catch {
    // Not JSON (a gateway's HTML page): the text is the message.
  }
  return new ConnectorRestError(message, code, status, { status, headers: { ...headers } });
}
