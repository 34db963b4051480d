import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import {
  pipelineTransaction,
  sendTransaction,
  type Envelope,
  type SmtpFailure,
} from './smtp-transaction.js';

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
  envelope: Envelope;
  message: Buffer;
  /** Its message has been written to a session: from then on, it may have gone out. */
  written: boolean;
  /** Put back in the queue once already, by a session that ended before writing it. */
  requeued: boolean;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** A session of the pool and what it is doing. */
interface Session {
  readonly smtp: SMTPConnection;
  /** Messages this session has been handed. */
  messages: number;
  /**
   * The sends it carries now, in the order they were written: one, or while a message's final
   * reply is awaited, also the next one pipelined behind it.
   */
  readonly inFlight: Waiting[];
  idleTimer: NodeJS.Timeout | null;
  /** Retired (ended, or saying QUIT): never handed another message. Its place is freed later. */
  gone: boolean;
  /** Why the session failed, if it did: what the send in flight is told when the session ends. */
  failure: Error | null;
}

/**
 * A pool of SMTP sessions over nodemailer's `SMTPConnection`, which opens them (greeting, EHLO,
 * STARTTLS, AUTH) and reads their replies; each message goes as a transaction of Herald's own
 * (`smtp-transaction.ts`). The pool hands each finished message to a free session, most recently
 * used first, pipelines the next waiting message behind it, and keeps up to `maxConnections`
 * sessions.
 *
 * It never sends a message twice: every failure goes back to the caller (the delivery engine owns
 * retries), except a message whose own data was never written, which cannot have gone out and is
 * queued again once. A session that refused an envelope is reset and kept, as is one that refused
 * a message; one that failed any other way is closed. A session that the server ends while idle is
 * dropped and replaced when next needed.
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
      this.#queue.push({ envelope, message, written: false, requeued: false, resolve, reject });
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
      inFlight: [],
      idleTimer: null,
      gone: false,
      failure: null,
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
    // A session's errors (a time-out, a reset, a close mid-transaction) come before its end, which
    // hands them to the send in flight; an idle session that the server ended emits one too.
    smtp.on('error', (err: Error) => {
      session.failure ??= err;
      opened(err);
    });
    smtp.once('end', () => {
      opened(poolError('Connection closed before the session was ready'));
      this.#retire(session);
      this.#sessions.delete(session);
      setTimeout(() => {
        this.#open--;
        if (!this.#closed) this.#pump();
      }, SLOT_GRACE_MS).unref();
      // A send the server answered (a 421) has heard from its callback in this same turn. One
      // that never will fails here, with the session's error if it had one; but a message whose
      // own data was never written cannot have gone out, and is queued again, first, once (a
      // server that ends every session it is handed fails it the next time).
      queueMicrotask(() => {
        const unsent: Waiting[] = [];
        for (const waiting of session.inFlight.splice(0)) {
          if (!waiting.written && !waiting.requeued && !this.#closed) {
            waiting.requeued = true;
            unsent.push(waiting);
          } else waiting.reject(session.failure ?? poolError('Connection closed'));
        }
        this.#queue.unshift(...unsent);
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
    session.messages++;
    session.inFlight.push(waiting);
    sendTransaction(session.smtp, this.#transaction(session, waiting), () => this.#follow(session));
  }

  /** The next queued message, pipelined behind the one this session is about to write. */
  #follow(session: Session): string {
    if (session.gone || session.messages >= this.shape.maxMessages) return '';
    const next = this.#queue.shift();
    if (!next) return '';
    session.messages++;
    session.inFlight.push(next);
    return pipelineTransaction(session.smtp, this.#transaction(session, next), () =>
      this.#follow(session),
    );
  }

  #transaction(session: Session, waiting: Waiting) {
    const { envelope, message } = waiting;
    return {
      envelope,
      message,
      writing: () => (waiting.written = true),
      done: (err: SmtpFailure | null) => this.#settle(session, waiting, err),
    };
  }

  #settle(session: Session, waiting: Waiting, err: SmtpFailure | null): void {
    const at = session.inFlight.indexOf(waiting);
    if (at < 0) return; // settled by the session's end
    session.inFlight.splice(at, 1);
    if (!err) waiting.resolve();
    else waiting.reject(err);
    // Refused before anything was written: the session is as it was.
    if (err?.command === 'API' && err.code !== 'ECONNECTION') err = null;
    if (!err) {
      // The message pipelined behind this one frees the session when it is done.
      return session.inFlight.length === 0 ? this.#release(session) : undefined;
    }
    const refused = err.code === 'EENVELOPE' || err.code === 'EMESSAGE';
    if (!refused || err.responseCode === 421 || session.gone) return session.smtp.close();
    // The server refused this message; the session itself is fine. A message pipelined behind
    // it frees the session when it is done; a refused message's final reply ended its
    // transaction; a refused envelope leaves one open, which RSET ends.
    if (session.inFlight.length > 0) return;
    if (err.code === 'EMESSAGE') return this.#release(session);
    session.smtp.reset((resetErr) => (resetErr ? session.smtp.close() : this.#release(session)));
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
