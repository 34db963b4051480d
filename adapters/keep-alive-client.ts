import net from 'node:net';
import tls from 'node:tls';
import { HttpProtocolError, ResponseParser, type HttpAnswer } from './http-answer.js';

export type { HttpAnswer } from './http-answer.js';

/**
 * Why a request got no answer: the socket's own error code (`ECONNREFUSED`, `ECONNRESET`, …),
 * `ETIMEDOUT` past the time-out, `EPROTO` for an answer that is not HTTP/1.1, `ERR_INVALID_CHAR`
 * for a request that would not be one.
 */
export class HttpClientError extends Error {
  override readonly name = 'HttpClientError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export interface KeepAliveClientOptions {
  /** `http:` or `https:` origin; a path in it is ignored (requests name their own). */
  origin: string;
  /** From writing the request to the last byte of its answer. */
  timeoutMs: number;
  /** Of an answer's body, what is kept (the rest is read and dropped, `truncated` set). */
  maxBodyBytes: number;
  /**
   * How long a connection may sit idle and still be used (default 30 s): well under the idle
   * cut-off of load balancers in front of the platforms, so a send never goes into a connection
   * they dropped silently. A server's own `Keep-Alive: timeout=…` shortens it.
   */
  idleMs?: number;
  /** Certificate authorities to trust instead of Node's (tests). */
  ca?: string | Buffer;
}

/**
 * What a field value may hold: visible ASCII, spaces and tabs (RFC 9110 §5.5 without obs-text), so
 * never a second header and never a byte whose encoding the other side might read otherwise.
 */
const FIELD_VALUE = /^[\t\x20-\x7e]*$/;
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A request target: visible ASCII only. */
const TARGET = /^\/[\x21-\x7e]*$/;
/** A connection idle this close to its server's limit is not used: the server may be closing it. */
const IDLE_MARGIN_MS = 1_000;

interface Exchange {
  parser: ResponseParser;
  resolve: (answer: HttpAnswer) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

interface Connection {
  socket: net.Socket;
  /** The request in flight on it, if any: one at a time, no pipelining. */
  exchange: Exchange | null;
  /** When it became idle, and until when it may still be used; 0 until its first answer. */
  idleUntil: number;
}

/**
 * A keep-alive HTTP/1.1 client for one origin, for the few JSON POSTs the delivery engine makes
 * (Slack's `chat.postMessage`, the Bot Framework's `SendToConversation`): one request per
 * connection at a time, as many connections as requests in flight, idle ones reused most recent
 * first. A request is written in one piece and its answer read straight off the socket, without
 * node:http's request and response streams, agent events and per-request objects — on paced sends
 * those cost about as much CPU again as the socket I/O itself. One attempt per call; a failure
 * rejects with an {@link HttpClientError}, and retries are the caller's.
 */
export class KeepAliveClient {
  readonly #secure: boolean;
  readonly #host: string;
  readonly #port: number;
  /** `Host:` as the origin names it (with a non-default port). */
  readonly #hostHeader: string;
  readonly #options: KeepAliveClientOptions;
  readonly #idleMs: number;
  /** The last TLS session the server gave: a new connection resumes it (a shorter handshake). */
  #session: Buffer | undefined;
  readonly #idle: Connection[] = [];
  readonly #open = new Set<Connection>();
  /** Retired: no connection is kept for another request. */
  #retired = false;

  constructor(options: KeepAliveClientOptions) {
    const url = new URL(options.origin);
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new HttpClientError(`unsupported URL scheme ${url.protocol}`, 'EPROTO');
    this.#secure = url.protocol === 'https:';
    // An IPv6 literal comes bracketed in a URL, not in a host to connect to.
    this.#host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.#port = url.port ? Number(url.port) : this.#secure ? 443 : 80;
    this.#hostHeader = url.host;
    this.#options = options;
    this.#idleMs = options.idleMs ?? 30_000;
  }

  /**
   * POSTs `body` (UTF-8) to `target` (a path with its query) with `headers` (besides `Host`,
   * `Content-Length` and `Connection`, which the client writes); resolves with the answer, whatever
   * its status. `wentOut` is called once the request is out: at once after writing it on an open
   * connection, or when a new connection's handshakes let it go.
   */
  post(
    target: string,
    headers: Readonly<Record<string, string>>,
    body: string,
    wentOut?: () => void,
  ): Promise<HttpAnswer> {
    let request: string;
    try {
      request = this.#request(target, headers, body);
    } catch (err) {
      return Promise.reject(asClientError(err));
    }
    return new Promise<HttpAnswer>((resolve, reject) => {
      const conn = this.#take();
      const timer = setTimeout(() => {
        this.#fail(
          conn,
          new HttpClientError(`no answer within ${this.#options.timeoutMs} ms`, 'ETIMEDOUT'),
        );
      }, this.#options.timeoutMs);
      conn.exchange = {
        parser: new ResponseParser(this.#options.maxBodyBytes),
        resolve,
        reject,
        timer,
      };
      conn.socket.ref();
      // Never answered yet: opened for this request, which waits for its handshakes.
      const opening = conn.idleUntil === 0;
      if (wentOut && opening) conn.socket.once(this.#readyEvent, wentOut);
      conn.socket.write(request);
      if (wentOut && !opening) wentOut();
    });
  }

  /** Connections open, idle or in use. */
  get openConnections(): number {
    return this.#open.size;
  }

  /**
   * Lets the client go without failing anything: idle connections close now, each one in use once
   * its answer is read. A request made after this still goes out, on a connection of its own.
   */
  retire(): void {
    this.#retired = true;
    for (const conn of [...this.#idle]) this.#drop(conn);
  }

  /** Closes every connection, idle or in use; requests in flight fail with `ECONNRESET`. */
  close(): void {
    for (const conn of [...this.#open])
      this.#fail(conn, new HttpClientError('client closed', 'ECONNRESET'));
  }

  #request(target: string, headers: Readonly<Record<string, string>>, body: string): string {
    if (!TARGET.test(target))
      throw new HttpClientError('invalid request target', 'ERR_INVALID_CHAR');
    let head = `POST ${target} HTTP/1.1\r\nHost: ${this.#hostHeader}\r\nConnection: keep-alive\r\n`;
    for (const [name, value] of Object.entries(headers)) {
      if (!FIELD_NAME.test(name) || !FIELD_VALUE.test(value))
        throw new HttpClientError(`invalid header ${JSON.stringify(name)}`, 'ERR_INVALID_CHAR');
      head += `${name}: ${value}\r\n`;
    }
    return `${head}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  }

  /** The most recently used idle connection still young enough, or a new one. */
  #take(): Connection {
    const now = Date.now();
    for (let conn = this.#idle.pop(); conn; conn = this.#idle.pop()) {
      if (now < conn.idleUntil && !conn.socket.destroyed) return conn;
      this.#drop(conn);
    }
    return this.#connect();
  }

  #connect(): Connection {
    const socket = this.#secure
      ? this.#connectTls()
      : net.connect({ host: this.#host, port: this.#port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 1_000);
    const conn: Connection = { socket, exchange: null, idleUntil: 0 };
    this.#open.add(conn);
    socket.on('data', (chunk: Buffer) => this.#received(conn, chunk));
    socket.on('end', () => this.#ended(conn));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      this.#fail(conn, new HttpClientError(err.message, err.code ?? 'ECONNRESET')),
    );
    socket.on('close', () => this.#fail(conn, new HttpClientError('socket hang up', 'ECONNRESET')));
    return conn;
  }

  /** When a new connection can carry the request written into it. */
  get #readyEvent(): 'connect' | 'secureConnect' {
    return this.#secure ? 'secureConnect' : 'connect';
  }

  #connectTls(): tls.TLSSocket {
    const socket = tls.connect({
      host: this.#host,
      port: this.#port,
      // SNI takes a host name, never an address.
      ...(net.isIP(this.#host) ? {} : { servername: this.#host }),
      ALPNProtocols: ['http/1.1'],
      ...(this.#options.ca ? { ca: this.#options.ca } : {}),
      ...(this.#session ? { session: this.#session } : {}),
    });
    socket.on('session', (session: Buffer) => (this.#session = session));
    // A session that failed once is not offered again (as node:https's agent does).
    socket.on('error', () => (this.#session = undefined));
    return socket;
  }

  #received(conn: Connection, chunk: Buffer): void {
    const exchange = conn.exchange;
    if (!exchange) {
      // Bytes nobody asked for: the connection is out of step.
      this.#drop(conn);
      return;
    }
    let answer: HttpAnswer | null;
    try {
      answer = exchange.parser.push(chunk);
    } catch (err) {
      this.#fail(conn, asClientError(err));
      return;
    }
    if (answer) this.#answered(conn, exchange, answer);
  }

  /** The server closed its side: the end of a body that runs to it, or of the connection. */
  #ended(conn: Connection): void {
    const exchange = conn.exchange;
    if (!exchange) return this.#drop(conn);
    let answer: HttpAnswer;
    try {
      answer = exchange.parser.end();
    } catch {
      // What node:http calls a hang-up: the server closed without (all of) an answer.
      this.#fail(conn, new HttpClientError('socket hang up', 'ECONNRESET'));
      return;
    }
    this.#answered(conn, exchange, answer);
  }

  #answered(conn: Connection, exchange: Exchange, answer: HttpAnswer): void {
    clearTimeout(exchange.timer);
    conn.exchange = null;
    const idleMs =
      answer.keepAliveMs === null
        ? this.#idleMs
        : Math.min(this.#idleMs, answer.keepAliveMs - IDLE_MARGIN_MS);
    const keep = answer.reusable && exchange.parser.trailing === 0 && idleMs > 0;
    if (keep && !this.#retired && !conn.socket.destroyed) {
      const now = Date.now();
      conn.idleUntil = now + idleMs;
      // An idle connection does not keep the process alive.
      conn.socket.unref();
      this.#idle.push(conn);
      // The least recently used sit at the bottom: closed once too old, not left to the server.
      while (this.#idle.length > 0 && this.#idle[0]!.idleUntil <= now) this.#drop(this.#idle[0]!);
    } else this.#drop(conn);
    exchange.resolve(answer);
  }

  /** Fails the request in flight, if any, and closes the connection. */
  #fail(conn: Connection, err: HttpClientError): void {
    const exchange = conn.exchange;
    conn.exchange = null;
    this.#drop(conn);
    if (exchange) {
      clearTimeout(exchange.timer);
      exchange.reject(err);
    }
  }

  #drop(conn: Connection): void {
    if (!this.#open.delete(conn)) return;
    const at = this.#idle.indexOf(conn);
    if (at >= 0) this.#idle.splice(at, 1);
    conn.socket.destroy();
  }
}

const asClientError = (err: unknown): HttpClientError =>
  err instanceof HttpClientError
    ? err
    : err instanceof HttpProtocolError
      ? new HttpClientError(err.message, err.code)
      : new HttpClientError(String(err), 'EPROTO');
