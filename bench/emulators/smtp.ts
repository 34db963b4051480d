import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { EventKind, Ledger } from './ledger.js';

/** The `Subject:` header of a raw message (unfolded), without parsing the whole MIME tree. */
function subjectOf(raw: string): string {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const m = /^Subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(head);
  return m?.[1] ? m[1].replace(/\r?\n[ \t]/g, ' ') : '';
}

/** Herald's subjects (adapters/email/subject.ts) back to event kinds. */
function parseSubject(subject: string): { incident: number; kind: EventKind } | null {
  const m = /^\[([^\]]+)\] #(\d+) /.exec(subject);
  if (!m?.[1] || !m[2]) return null;
  const kind: EventKind | null = /^SEV\d$/.test(m[1])
    ? 'subscribed'
    : m[1] === 'Update'
      ? 'update'
      : m[1] === 'Resolved'
        ? 'resolved'
        : m[1] === 'Reminder'
          ? 'reminder'
          : null;
  return kind ? { incident: Number(m[2]), kind } : null;
}

/**
 * A relay on loopback (smtp-server) that takes `latencyMs` to accept each message, as a remote
 * relay's queueing and disk write would: a transaction (MAIL FROM to the reply after DATA) lasts at
 * least that long, the dialogue's own round trips included. Its ceiling follows from Herald's pool:
 * connections ÷ latency messages per second.
 */
export class SmtpEmulator {
  private readonly server: SMTPServer;
  private port = 0;
  /** When each session's current transaction began (its MAIL FROM). */
  private readonly started = new Map<string, number>();

  constructor(
    private readonly ledger: Ledger,
    readonly latencyMs: number,
  ) {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      closeTimeout: 500,
      // Herald's pool keeps up to 5 connections; leave room for reconnects.
      maxClients: 50,
      onMailFrom: (_address, session, callback) => {
        this.started.set(session.id, performance.now());
        callback();
      },
      onClose: (session) => this.started.delete(session.id),
      onData: (stream, session, callback) => {
        this.receive(stream, session).then(
          () => callback(null),
          (err: Error) => callback(err),
        );
      },
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const began = this.started.get(session.id) ?? performance.now();
    const rest = this.latencyMs - (performance.now() - began);
    if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
    const event = parseSubject(subjectOf(Buffer.concat(chunks).toString('utf8')));
    for (const rcpt of session.envelope.rcptTo) {
      if (event)
        this.ledger.record({ channel: 'email', recipient: rcpt.address.toLowerCase(), ...event });
      else this.ledger.unparsed += 1;
    }
  }
}
