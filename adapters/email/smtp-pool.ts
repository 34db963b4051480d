import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { parseConnectionUrl } from 'nodemailer/lib/shared';

/**
 * How long a session's place in the pool stays taken after its connection ended: the server may
 * not have seen it close yet, and one that allows no more connections than the pool holds would
 * refuse the replacement (nodemailer's pool waits as long). It also spaces out new attempts at a
 * server that refuses every connection.
 */
const SLOT_GRACE_MS = 100;

/** The pool's shape: how many sessions, how long each lives. */
export interface SmtpPoolShape {
  maxConnections: number;
  /** Messages a session carries before it is replaced by a fresh one. */
  maxMessages: number;
  /** An idle session says QUIT after this long. */
  idleTimeoutMs: number;
}

/** What the pool hands nodemailer's connection: where, how long to wait, who to log in as. */
export type SmtpConnectionOptions = SMTPConnection.Options & {
  auth?: { user: string; pass: string };
};

/** One message for one envelope, and the promise waiting on it. */
interface Waiting {
  envelope: { from: string; to: string[] };
  message: Buffer;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** A session of the pool and what it is doing. */
interface Session {
  readonly smtp: SMTPConnection;
  /** Messages this session has carried. */
  messages: number;
  /** The send it carries now, if any. */
  current: Waiting | null;
  idleTimer: NodeJS.Timeout | null;
  /** Retired (ended, or saying QUIT): never handed another message. Its place is freed later. */
  gone: boolean;
}

/**
 * A pool of SMTP sessions over nodemailer's `SMTPConnection`, which speaks the protocol (EHLO,
 * STARTTLS, AUTH, PIPELINING, dot-stuffing); the pool only hands each finished message to a free
 * session, most recently used first, and keeps up to `maxConnections` of them.
 *
 * It never sends a message twice: every failure goes back to the caller (the delivery engine owns
 * retries). A session that refused one envelope or message is reset and kept; one that failed any
 * other way is closed. A session that the server ends while idle is dropped and replaced when next
 * needed.
 */
export class SmtpPool {
  readonly #queue: Waiting[] = [];
  /** Free sessions, the most recently used last. */
  readonly #idle: Session[] = [];
  /**
   * Sessions open or being opened, and those ended less than `SLOT_GRACE_MS` ago: counted against
   * `maxConnections`.
   */
  #open = 0;
  /** Sessions being opened: each will take a message from the queue. */
  #connecting = 0;
  #closed = false;
  /** Every session whose connection has not ended yet, retired or not (for `close()`). */
  readonly #sessions = new Set<Session>();

  constructor(
    private readonly connection: SmtpConnectionOptions,
    private readonly shape: SmtpPoolShape,
  ) {
    if (!(shape.maxConnections >= 1 && shape.maxMessages >= 1 && shape.idleTimeoutMs > 0)) {
      throw new Error('an SMTP pool needs at least one connection and one message per connection');
    }
  }

  /** A pool for `SMTP_URL` (`smtp://` or `smtps://`, credentials and `tls.*` options in the URL). */
  static fromUrl(url: string, shape: SmtpPoolShape, timeouts: SMTPConnection.Options): SmtpPool {
    const parsed = parseConnectionUrl(url) as SmtpConnectionOptions;
    if (!parsed.host) throw new Error('no host');
    return new SmtpPool({ ...parsed, ...timeouts }, shape);
  }

  /** Sends one message; rejects with nodemailer's error (`code`, `responseCode`, `command`). */
  send(envelope: Waiting['envelope'], message: Buffer): Promise<void> {
    if (this.#closed) return Promise.reject(poolError('Connection pool was closed'));
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ envelope, message, resolve, reject });
      this.#pump();
    });
  }

  /** Ends every session, busy or not; sends still waiting for one, or in flight, fail. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const waiting of this.#queue.splice(0)) {
      waiting.reject(poolError('Connection pool was closed'));
    }
    for (const session of [...this.#sessions]) session.smtp.close();
  }

  /** Places taken in the pool: sessions open or being opened, or just ended (for tests). */
  get size(): number {
    return this.#open;
  }

  /** Hands queued messages to free sessions, and opens sessions for the rest while it may. */
  #pump(): void {
    while (this.#queue.length > 0 && this.#idle.length > 0) {
      this.#dispatch(this.#idle.pop()!, this.#queue.shift()!);
    }
    while (this.#queue.length > this.#connecting && this.#open < this.shape.maxConnections) {
      this.#connect();
    }
  }

  #connect(): void {
    this.#open++;
    this.#connecting++;
    const smtp = new SMTPConnection(this.connection);
    const session: Session = {
      smtp,
      messages: 0,
      current: null,
      idleTimer: null,
      gone: false,
    };
    this.#sessions.add(session);
    let opening = true;
    const opened = (err?: Error) => {
      if (!opening) return;
      opening = false;
      this.#connecting--;
      if (!err) return this.#release(session);
      smtp.close();
      // The message this session was opened for learns why it cannot go; others wait on.
      this.#queue.shift()?.reject(err);
      if (!this.#closed) this.#pump();
    };
    // A session's errors reach the send in flight through its callback, right after the session
    // has ended; an idle session that the server ended emits one too. Nothing is thrown.
    smtp.on('error', (err: Error) => opened(err));
    smtp.once('end', () => {
      opened(poolError('Connection closed before the session was ready'));
      this.#retire(session);
      this.#sessions.delete(session);
      setTimeout(() => {
        this.#open--;
        if (!this.#closed) this.#pump();
      }, SLOT_GRACE_MS).unref();
      // The send in flight hears from its callback, with the server's reply, in this same turn;
      // one that never will (a session this pool closed) fails here.
      queueMicrotask(() => {
        const current = session.current;
        session.current = null;
        current?.reject(poolError('Connection closed'));
        if (!this.#closed) this.#pump();
      });
    });
    smtp.connect((err) => {
      if (err) return opened(err);
      const auth = this.connection.auth;
      if (auth && smtp.allowsAuth) smtp.login(auth, (loginErr) => opened(loginErr ?? undefined));
      else opened();
    });
  }

  #dispatch(session: Session, waiting: Waiting): void {
    session.current = waiting;
    session.smtp.send(waiting.envelope, waiting.message, (err) => {
      if (session.current !== waiting) return; // settled by the session's end
      session.current = null;
      session.messages++;
      if (!err) {
        waiting.resolve();
        return this.#release(session);
      }
      waiting.reject(err);
      const refused = err.code === 'EENVELOPE' || err.code === 'EMESSAGE';
      if (refused && err.responseCode !== 421 && !session.gone) {
        // The server refused this message; the session itself is fine once reset.
        session.smtp.reset((resetErr) =>
          resetErr ? session.smtp.close() : this.#release(session),
        );
      } else {
        session.smtp.close();
      }
    });
  }

  /** A session free again: the next message, or idle until one comes (or it is retired). */
  #release(session: Session): void {
    // Once the pool is closed every session has ended, and so is retired (`gone`).
    if (session.gone) return;
    if (session.messages >= this.shape.maxMessages) {
      this.#retire(session);
      return session.smtp.quit();
    }
    const next = this.#queue.shift();
    if (next) return this.#dispatch(session, next);
    this.#idle.push(session);
    // One timer per session, pushed back each time it goes idle; a busy session ignores it.
    if (session.idleTimer) session.idleTimer.refresh();
    else {
      session.idleTimer = setTimeout(() => this.#expire(session), this.shape.idleTimeoutMs);
      session.idleTimer.unref();
    }
  }

  #expire(session: Session): void {
    const at = this.#idle.indexOf(session);
    if (at < 0) return;
    this.#retire(session);
    session.smtp.quit();
  }

  /** Hands a session no more messages: it has ended, or is saying QUIT. Its place stays taken. */
  #retire(session: Session): void {
    if (session.gone) return;
    session.gone = true;
    if (session.idleTimer) clearTimeout(session.idleTimer);
    const at = this.#idle.indexOf(session);
    if (at >= 0) this.#idle.splice(at, 1);
  }
}

/** A pool failure, coded as nodemailer codes a connection that is not there. */
function poolError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ECONNECTION' });
}
