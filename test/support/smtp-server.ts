/**
 * A real SMTP server on loopback for tests, demos and benchmarks: accepts every message (no TLS, no
 * auth), parses it with mailparser, and can be told to refuse. Port 0, so runs never collide.
 *
 *   const smtp = await new TestSmtpServer().start();
 *   // SMTP_URL: smtp.url
 *   const [mail] = await smtp.waitFor(1);
 *   await smtp.stop();
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import {
  SMTPServer,
  type SMTPServerDataStream,
  type SMTPServerOptions,
  type SMTPServerSession,
} from 'smtp-server';

/** One accepted message. */
export interface ReceivedMail {
  /** `MAIL FROM` of the envelope. */
  from: string | null;
  /** `RCPT TO` addresses of the envelope: who the message really went to, whatever its headers say. */
  to: string[];
  raw: Buffer;
  parsed: ParsedMail;
}

/** An error whose `responseCode` smtp-server sends as the reply code. */
function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

/**
 * A relay on 127.0.0.1 at a free port: smtp-server without TLS or auth, quiet, and quick to close.
 * Subclasses handle each message's `DATA` in `receive` (a thrown `responseCode` is the reply) and
 * may add smtp-server hooks with `hooks()`.
 */
export abstract class LoopbackRelay {
  protected readonly server: SMTPServer;
  /**
   * Errors of single connections (a client killed mid-dialogue resets its socket). Kept, not
   * thrown: smtp-server emits them on the server, where an unheard `error` would end the process.
   */
  readonly connectionErrors: Error[] = [];
  /** Sessions ended, however: QUIT, a timeout, or a client that vanished mid-dialogue. */
  closedSessions = 0;
  private port = 0;

  /** `options` are smtp-server's own, over the relay's defaults and `hooks()` (tests of the client). */
  constructor(options: Partial<SMTPServerOptions> = {}) {
    const hooks = { ...this.hooks(), ...options };
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      // A client that never says QUIT must not hold `stop()` for smtp-server's default 30 s.
      closeTimeout: 500,
      // Connection pools keep a few open; leave room for reconnects.
      maxClients: 50,
      ...hooks,
      onClose: (session, callback) => {
        this.closedSessions += 1;
        hooks.onClose?.(session, callback);
      },
      onData: (stream, session, callback) => {
        this.receive(stream, session).then(
          () => callback(null),
          (err: Error) => callback(err),
        );
      },
    });
    this.server.on('error', (err) => this.connectionErrors.push(err));
  }

  /** Extra smtp-server hooks; called once, from the constructor, so it may only build closures. */
  protected hooks(): Partial<SMTPServerOptions> {
    return {};
  }

  protected abstract receive(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
  ): Promise<void>;

  /** Listens on 127.0.0.1 at a free port. */
  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  /** `smtp://127.0.0.1:<port>`, for `SMTP_URL`. */
  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Stops listening and closes open connections. */
  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export class TestSmtpServer extends LoopbackRelay {
  /** Every accepted message, in the order accepted. */
  readonly messages: ReceivedMail[] = [];
  /** How many messages were refused at `DATA` by `failNext`. */
  refused = 0;
  private failures: { left: number; code: number } = { left: 0, code: 421 };
  private readonly rejected = new Map<string, number>();
  private readonly listeners = new Set<() => void>();

  protected override hooks(): Partial<SMTPServerOptions> {
    return {
      onRcptTo: (address, _session, callback) => {
        const code = this.rejected.get(address.address.toLowerCase());
        callback(code ? smtpError(code, `<${address.address}>: mailbox unavailable`) : null);
      },
    };
  }

  /** Resolves with the messages once at least `n` were accepted. */
  waitFor(n: number, timeoutMs = 10_000): Promise<ReceivedMail[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.messages.length < n) return;
        this.listeners.delete(check);
        clearTimeout(timer);
        resolve(this.messages.slice());
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`expected ${n} messages, got ${this.messages.length}`));
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  /** The next `n` messages are refused at `DATA` with `code` (421 closes the connection too). */
  failNext(n: number, code = 421): void {
    this.failures = { left: n, code };
  }

  /** Refuses `address` at `RCPT TO` with `code` from now on. */
  rejectRecipient(address: string, code = 550): void {
    this.rejected.set(address.toLowerCase(), code);
  }

  /** Accepted messages addressed (in the envelope) to `address`. */
  to(address: string): ReceivedMail[] {
    const wanted = address.toLowerCase();
    return this.messages.filter((m) => m.to.some((a) => a.toLowerCase() === wanted));
  }

  protected async receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    if (this.failures.left > 0) {
      this.failures.left -= 1;
      this.refused += 1;
      throw smtpError(this.failures.code, 'try again later');
    }
    const raw = Buffer.concat(chunks);
    const { mailFrom, rcptTo } = session.envelope;
    this.messages.push({
      from: mailFrom ? mailFrom.address : null,
      to: rcptTo.map((a) => a.address),
      raw,
      parsed: await simpleParser(raw),
    });
    for (const listener of [...this.listeners]) listener();
  }
}
