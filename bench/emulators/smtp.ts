import type { SMTPServerDataStream, SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import { LoopbackRelay } from '../../test/support/smtp-server.js';
import type { EventKind, Ledger } from './ledger.js';
import { admit, TokenBucket } from './token-bucket.js';

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
 * connections ÷ latency messages per second; with `rate`, also a sending rate as hosted relays
 * enforce one: a token bucket checked at MAIL FROM, answered `451 4.7.1` past it.
 */
export class SmtpEmulator extends LoopbackRelay {
  /** When each session's current transaction began (its MAIL FROM). */
  private readonly started = new Map<string, number>();
  /** When each session's last transaction was answered. */
  private readonly answered = new Map<string, number>();
  /** Each transaction's length, MAIL FROM to the reply after DATA (ms), in the order they end. */
  readonly transactionMs: number[] = [];
  /** Each wait between a reply and the next MAIL FROM on the same connection (ms): the client's. */
  readonly gapMs: number[] = [];
  private readonly bucket: TokenBucket | null;

  constructor(
    private readonly ledger: Ledger,
    readonly latencyMs: number,
    readonly rate?: { perSecond: number; burst: number },
  ) {
    super();
    this.bucket = rate ? new TokenBucket(rate.perSecond, rate.burst) : null;
  }

  /** Gaps from here on: a connection's first transaction after this has none (it sat idle). */
  startGaps(): void {
    this.answered.clear();
  }

  protected override hooks(): Partial<SMTPServerOptions> {
    return {
      onMailFrom: (_address, session, callback) => {
        // Called from the constructor (see LoopbackRelay.hooks): `this.bucket` is read per call.
        if (this.bucket && admit([this.bucket]) > 0) {
          this.ledger.refuse('smtp 451');
          const refused = Object.assign(new Error('4.7.1 Sending rate exceeded, try again later'), {
            responseCode: 451,
          });
          return callback(refused);
        }
        const now = performance.now();
        const last = this.answered.get(session.id);
        if (last !== undefined) this.gapMs.push(now - last);
        this.started.set(session.id, now);
        callback();
      },
      onClose: (session) => {
        this.started.delete(session.id);
        this.answered.delete(session.id);
      },
    };
  }

  protected async receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const began = this.started.get(session.id) ?? performance.now();
    const rest = this.latencyMs - (performance.now() - began);
    if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
    // A timer counts from the event loop's cached clock, so it can end up to a millisecond or so
    // before `performance.now()` says it should; the rest is waited out a loop turn at a time
    // (another timer would add a whole millisecond, and the relay's ceiling would drop with it).
    while (performance.now() - began < this.latencyMs) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    const event = parseSubject(subjectOf(Buffer.concat(chunks).toString('utf8')));
    for (const rcpt of session.envelope.rcptTo) {
      if (event)
        this.ledger.record({ channel: 'email', recipient: rcpt.address.toLowerCase(), ...event });
      else this.ledger.unparsed += 1;
    }
    const answered = performance.now();
    this.transactionMs.push(answered - began);
    this.answered.set(session.id, answered);
  }
}
