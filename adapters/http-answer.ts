/**
 * One HTTP/1.1 response, read from the bytes of a connection as they come (RFC 9112): the status
 * line and header section, then a body framed by `Transfer-Encoding: chunked`, `Content-Length`,
 * nothing (204, 304) or the connection's end. Interim 1xx answers are skipped. Anything else —
 * a malformed line, conflicting lengths, a head or chunk line past its limit — is a protocol error:
 * the connection cannot be trusted for another request.
 */

/** A complete answer. Header names are lower case; repeated headers are joined with ", ". */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  /** The body, up to the parser's limit. */
  body: Buffer;
  /** The body was longer than the limit: the rest was read and dropped. */
  truncated: boolean;
  /** The connection may carry the next request. */
  reusable: boolean;
  /** How long the server keeps an idle connection open (`Keep-Alive: timeout=…`), if it says. */
  keepAliveMs: number | null;
}

export class HttpProtocolError extends Error {
  override readonly name = 'HttpProtocolError';
  readonly code = 'EPROTO';
}

/** A status line and header section: far more than any platform's answer carries. */
const MAX_HEAD_BYTES = 64 * 1024;
/** A chunk-size line with its extensions. */
const MAX_CHUNK_LINE_BYTES = 1024;
const EMPTY = Buffer.alloc(0);
const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-5]\d\d)(?: [^\r\n]*)?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,8})[ \t]*(?:;[^\r\n]*)?$/;

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'close';

export class ResponseParser {
  /** Received bytes not read yet: `store[from, to)`. */
  private store: Buffer = EMPTY;
  private from = 0;
  private to = 0;
  /** The store is the parser's own, appended into; not a connection's chunk. */
  private owned = false;
  /** How many of the unread bytes were searched for the end of a head or line, in vain. */
  private searched = 0;
  private state: State = 'head';
  /** Bytes left of a `Content-Length` body or of the current chunk. */
  private left = 0;
  private readonly parts: Buffer[] = [];
  private kept = 0;
  private truncated = false;
  private status = 0;
  private headers: Record<string, string> = {};
  private reusable = false;
  private done = false;

  constructor(private readonly maxBodyBytes: number) {}

  /** Bytes received after the answer ended (a server that talks out of turn). */
  get trailing(): number {
    return this.done ? this.to - this.from : 0;
  }

  /** Feeds received bytes; returns the answer once it is complete, null while more must come. */
  push(chunk: Buffer): HttpAnswer | null {
    this.append(chunk);
    if (this.done) return null;
    for (;;) {
      const answer = this.step();
      if (answer !== undefined) return answer;
    }
  }

  /**
   * The connection ended. An answer whose body runs to the end of the connection is complete now;
   * any other answer was cut short (a protocol error).
   */
  end(): HttpAnswer {
    if (this.state === 'close' && !this.done) {
      this.reusable = false;
      return this.finish();
    }
    throw new HttpProtocolError('the connection closed before the answer was complete');
  }

  /** One step of the state machine: an answer, null to wait for bytes, undefined to go on. */
  private step(): HttpAnswer | null | undefined {
    const buf = this.store.subarray(this.from, this.to);
    switch (this.state) {
      case 'head': {
        const end = this.find(buf, HEAD_END);
        if (end < 0 || end > MAX_HEAD_BYTES) {
          if (buf.length > MAX_HEAD_BYTES) throw new HttpProtocolError('answer head too large');
          return null;
        }
        this.consume(end + HEAD_END.length);
        return this.head(buf.toString('latin1', 0, end));
      }
      case 'length':
      case 'chunk-data': {
        if (buf.length === 0) return null;
        const take = Math.min(this.left, buf.length);
        this.keep(buf.subarray(0, take));
        this.consume(take);
        this.left -= take;
        if (this.left > 0) return null;
        if (this.state === 'length') return this.finish();
        this.state = 'chunk-end';
        return undefined;
      }
      case 'chunk-end': {
        if (buf.length < 2) return null;
        if (buf[0] !== 0x0d || buf[1] !== 0x0a) throw new HttpProtocolError('chunk not ended');
        this.consume(2);
        this.state = 'chunk-size';
        return undefined;
      }
      case 'chunk-size': {
        const eol = this.find(buf, CRLF);
        if (eol < 0 || eol > MAX_CHUNK_LINE_BYTES) {
          if (buf.length > MAX_CHUNK_LINE_BYTES) throw new HttpProtocolError('chunk line too long');
          return null;
        }
        const size = CHUNK_SIZE.exec(buf.toString('latin1', 0, eol));
        if (!size) throw new HttpProtocolError('malformed chunk size');
        this.consume(eol + 2);
        this.left = Number.parseInt(size[1]!, 16);
        this.state = this.left === 0 ? 'trailers' : 'chunk-data';
        return undefined;
      }
      case 'trailers': {
        // No trailer fields: the last chunk is followed by an empty line straight away.
        if (buf.length < 2) return null;
        if (buf[0] === 0x0d && buf[1] === 0x0a) {
          this.consume(2);
          return this.finish();
        }
        const end = this.find(buf, HEAD_END);
        if (end < 0 || end > MAX_HEAD_BYTES) {
          if (buf.length > MAX_HEAD_BYTES) throw new HttpProtocolError('trailers too large');
          return null;
        }
        this.consume(end + HEAD_END.length);
        return this.finish();
      }
      case 'close':
        if (buf.length > 0) this.keep(buf);
        this.consume(buf.length);
        return null;
    }
  }

  /**
   * Adds received bytes to the unread ones. A chunk that comes when nothing is unread is read in
   * place (the usual case: a whole answer in one chunk); one that extends unread bytes (a head in
   * pieces) is copied into a store that doubles as it fills, so a head arriving a byte at a time
   * costs a copy of each byte, not of all the bytes before it.
   */
  private append(chunk: Buffer): void {
    if (this.from === this.to) {
      this.store = chunk;
      this.from = 0;
      this.to = chunk.length;
      this.owned = false;
      return;
    }
    const unread = this.to - this.from;
    if (!this.owned || this.to + chunk.length > this.store.length) {
      const store = Buffer.allocUnsafeSlow(Math.max(2 * (unread + chunk.length), 4096));
      this.store.copy(store, 0, this.from, this.to);
      this.store = store;
      this.from = 0;
      this.to = unread;
      this.owned = true;
    }
    chunk.copy(this.store, this.to);
    this.to += chunk.length;
  }

  /** Where `delimiter` starts in the unread bytes, searching only bytes not searched before. */
  private find(buf: Buffer, delimiter: Buffer): number {
    const at = buf.indexOf(delimiter, Math.max(0, this.searched - delimiter.length + 1));
    this.searched = at < 0 ? buf.length : 0;
    return at;
  }

  /** The first `n` unread bytes are read. */
  private consume(n: number): void {
    this.from += n;
    this.searched = 0;
  }

  /** Reads a status line and header section; decides how the body is framed. */
  private head(text: string): HttpAnswer | undefined {
    const lines = text.split('\r\n');
    const statusLine = STATUS_LINE.exec(lines[0]!);
    if (!statusLine) throw new HttpProtocolError('malformed status line');
    const minor = Number(statusLine[1]);
    const status = Number(statusLine[2]);
    // No prototype: a header named like an Object method is a header like any other.
    const headers = Object.create(null) as Record<string, string>;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      const name = line.slice(0, colon);
      // An empty or spaced name, or a folded line, is not a header line (RFC 9112 §5).
      if (colon <= 0 || !TOKEN.test(name)) throw new HttpProtocolError('malformed header line');
      const key = name.toLowerCase();
      const value = line.slice(colon + 1).trim();
      const seen = headers[key];
      headers[key] = seen === undefined ? value : `${seen}, ${value}`;
    }
    if (status < 200) {
      if (status === 101) throw new HttpProtocolError('unexpected protocol switch');
      return undefined; // an interim answer: the real one follows
    }
    this.status = status;
    this.headers = headers;
    const connection = (headers.connection ?? '').toLowerCase();
    this.reusable =
      minor === 1 ? !/(^|[ ,])close($|[ ,])/.test(connection) : /keep-alive/.test(connection);
    const encoding = headers['transfer-encoding'];
    const length = headers['content-length'];
    if (status === 204 || status === 304) {
      // No body, whatever the headers say (RFC 9112 §6.3).
      return this.finish();
    }
    if (encoding !== undefined) {
      // Chunked last: chunks. Any other coding: the body runs to the end of the connection.
      this.state = /(^|,)\s*chunked\s*$/i.test(encoding) ? 'chunk-size' : 'close';
      // A length beside the coding, or a coding in HTTP/1.0, is framing a proxy on the way may
      // have read otherwise: the connection ends with this answer (RFC 9112 §6.1).
      if (length !== undefined || minor === 0) this.reusable = false;
    } else if (length !== undefined) {
      const values = length.split(',').map((v) => v.trim());
      if (!values.every((v) => /^\d{1,15}$/.test(v) && v === values[0]))
        throw new HttpProtocolError('malformed content-length');
      this.left = Number(values[0]);
      if (this.left === 0) return this.finish();
      this.state = 'length';
    } else {
      this.state = 'close';
    }
    if (this.state === 'close') this.reusable = false;
    return undefined;
  }

  private keep(part: Buffer): void {
    const room = this.maxBodyBytes - this.kept;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const kept = part.length > room ? part.subarray(0, room) : part;
    if (kept !== part) this.truncated = true;
    // A slice of the connection's own chunk: copied, so the chunk is not held alive.
    this.parts.push(Buffer.from(kept));
    this.kept += kept.length;
  }

  private finish(): HttpAnswer {
    this.done = true;
    const keepAlive = /(?:^|[ ,])timeout=(\d+)/.exec(this.headers['keep-alive'] ?? '');
    return {
      status: this.status,
      headers: this.headers,
      body: this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts),
      truncated: this.truncated,
      reusable: this.reusable,
      keepAliveMs: keepAlive ? Number(keepAlive[1]) * 1000 : null,
    };
  }
}
