import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/**
 * A connector call may not hang a delivery slot: past this long without a byte from the
 * connector, the call fails and the engine retries it like a 5xx.
 */
export const CONNECTOR_TIMEOUT_MS = 15_000;

/**
 * How long an idle connection is kept for the next send when the connector does not say (Node
 * honours a `Keep-Alive: timeout=…` answer): well under the idle cut-off of Azure's front doors.
 */
const IDLE_SOCKET_MS = 30_000;

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
}

/**
 * The one Bot Framework Connector call proactive messages need, `SendToConversation`
 * (`POST {serviceUrl}/v3/conversations/{id}/activities`), over keep-alive connections: the SDK's
 * connector client built a pipeline (and a connection) per message. One attempt per call: the
 * delivery engine owns retries and `Retry-After`.
 */
export class ConnectorRest {
  private readonly http = new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS });
  private readonly https = new HttpsAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS });
  /** Parsed service URLs: a handful per deployment (Teams' regions). */
  private readonly bases = new Map<string, URL>();

  constructor(private readonly timeoutMs = CONNECTOR_TIMEOUT_MS) {}

  /** Posts one activity; resolves on a 2xx, rejects with a {@link ConnectorRestError}. */
  sendToConversation(post: ConnectorPost): Promise<void> {
    const base = this.base(post.serviceUrl);
    const path = `${base.pathname}v3/conversations/${encodeURIComponent(post.conversationId)}/activities`;
    const headers: Record<string, string | number> = {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(post.body),
      accept: 'application/json',
      'x-ms-conversation-id': post.conversationId,
      'user-agent': 'Microsoft-BotFramework/3.1 Herald',
    };
    if (post.token !== null) headers.authorization = `Bearer ${post.token}`;
    const secure = base.protocol === 'https:';
    return new Promise<void>((resolve, reject) => {
      const req = (secure ? httpsRequest : httpRequest)(
        {
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port || undefined,
          method: 'POST',
          path,
          headers,
          agent: secure ? this.https : this.http,
          timeout: this.timeoutMs,
        },
        (res) => void answer(res).then(resolve, reject),
      );
      req.on('timeout', () => {
        req.destroy(new ConnectorRestError(`no answer within ${this.timeoutMs} ms`, 'ETIMEDOUT'));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        reject(
          err instanceof ConnectorRestError ? err : new ConnectorRestError(err.message, err.code),
        );
      });
      req.end(post.body);
    });
  }

  /**
   * Closes every connection, idle or in use (tests, benches). Herald need not call it: idle
   * keep-alive connections do not hold the process open.
   */
  close(): void {
    this.http.destroy();
    this.https.destroy();
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

/** Reads the whole answer (it must be drained for the connection to be reused) and judges it. */
function answer(res: IncomingMessage): Promise<void> {
  const status = res.statusCode ?? 0;
  return new Promise<void>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    res.on('data', (chunk: Buffer) => {
      if (kept >= MAX_BODY_BYTES) return;
      chunks.push(chunk);
      kept += chunk.length;
    });
    res.on('error', (err: NodeJS.ErrnoException) =>
      reject(new ConnectorRestError(err.message, err.code)),
    );
    res.on('end', () => {
      if (status >= 200 && status < 300) return resolve();
      const text = Buffer.concat(chunks).toString('utf8');
      let code: string | undefined;
      let message = text;
      try {
        const { error } = JSON.parse(text) as ErrorBody;
        if (typeof error?.code === 'string') code = error.code;
        if (typeof error?.message === 'string') message = error.message;
      } catch {
        // Not JSON (a gateway's HTML page): the text is the message.
      }
      reject(
        new ConnectorRestError(message, code, status, { status, headers: { ...res.headers } }),
      );
    });
  });
}
