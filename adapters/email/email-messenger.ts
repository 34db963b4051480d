import addressparser from 'nodemailer/lib/addressparser';
import {
  DeliveryError,
  type DeliveryJob,
  type Messenger,
  type RateLimit,
} from '../../src/delivery/ports.js';
import { messageLink, type IncidentLinker } from '../../src/stakeholder-link.js';
import { signUnsubscribeToken } from '../../src/unsubscribe-token.js';
import { composeMessage } from './compose-message.js';
import { TemplateCache } from './event-template.js';
import { isPlainAddress, mailbox } from './header-text.js';
import { headerField, mailboxWords } from './mime-headers.js';
import { messageIdFactory } from './message-id.js';
import { smtpDeliveryError } from './smtp-error.js';
import { SmtpPool } from './smtp-pool.js';

export interface EmailMessengerOptions {
  /** `SMTP_URL`, e.g. `smtp://user:pass@host:587`. */
  smtpUrl: string;
  /** `EMAIL_FROM`, e.g. `Herald <herald@example.com>`. */
  from: string;
  /** `PUBLIC_URL`, base of the unsubscribe links. */
  publicUrl: string;
  /** Signs unsubscribe links and tags Message-IDs. */
  secret: string;
  /** Channel-wide sending rate (token bucket). Default 10 per second, bursts of 20; the door passes `SMTP_MAX_PER_SECOND`. */
  rate?: { perSecond: number; burst: number };
  /** The reader's personal link to an incident's page; without it, mails carry none. */
  incidentLink?: IncidentLinker;
  /** How long `close()` lets sends in flight finish. Default 10 s. */
  closeGraceMs?: number;
}

/**
 * The email channel: renders an event into a text and an HTML part and sends it through a pooled
 * SMTP transport, threaded per person and incident, with RFC 8058 one-click unsubscribe headers.
 *
 * An event is rendered and encoded once for all its readers (`TemplateCache`); each reader's mail
 * is that template with their own fields filled in, handed finished to a session of the pool.
 * Having nodemailer compose the MIME of every mail cost most of the channel's CPU, and its pool
 * (a message node, a stream and a queue per mail) most of the rest.
 */
export class EmailMessenger implements Messenger {
  readonly channel = 'email' as const;
  readonly limits: readonly RateLimit[];
  private readonly pool: SmtpPool;
  private readonly sender: { name: string; address: string };
  /** The `From:` field, the same in every mail. */
  private readonly fromField: string;
  /** Each event rendered and encoded once for all its readers. */
  private readonly templates = new TemplateCache();
  private readonly messageId: (deliveryId: number) => string;
  /** `PUBLIC_URL` normalised by the URL parser: no whitespace or line break can reach a header. */
  private readonly publicUrl: string;
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing: Promise<void> | null = null;

  constructor(private readonly options: EmailMessengerOptions) {
    this.sender = parseSender(options.from);
    this.fromField = headerField('From', mailboxWords(this.sender.name, this.sender.address));
    this.messageId = messageIdFactory(options.secret, this.sender.address);
    this.publicUrl = new URL(options.publicUrl).href.replace(/\/+$/, '');
    const rate = options.rate ?? { perSecond: 10, burst: 20 };
    this.limits = [
      { name: 'smtp', ratePerSecond: rate.perSecond, burst: rate.burst, key: () => 'all' },
    ];
    this.pool = smtpPool(options.smtpUrl);
  }

  /** Sends one delivery; throws a classified `DeliveryError`. */
  async send(job: DeliveryJob): Promise<void> {
    if (this.closing) throw new DeliveryError('transient', 'email transport is shutting down');
    const { delivery, person, event } = job;
    if (!person.email || !isPlainAddress(person.email)) {
      throw new DeliveryError('permanent', 'no usable email address');
    }
    // A reminder goes to the declarer whether or not they are subscribed: an unsubscribe link
    // there would promise something it cannot do.
    const unsubscribeUrl =
      event.kind === 'reminder'
        ? null
        : `${this.publicUrl}/unsubscribe?token=${signUnsubscribeToken(this.options.secret, {
            personId: person.id,
            incidentId: event.incidentId,
          })}`;
    const viewUrl = messageLink(this.options.incidentLink, job);
    const first = job.threadRootId;
    const messageId = this.messageId(delivery.id);
    let raw: string;
    try {
      const template = this.templates.get(event, {
        unsubscribe: unsubscribeUrl !== null,
        view: viewUrl !== null,
      });
      const to = mailbox(person.displayName, person.email);
      raw = composeMessage(template, {
        from: this.fromField,
        to: mailboxWords(to.name, to.address),
        messageId,
        parent: first !== null && first !== delivery.id ? this.messageId(first) : null,
        unsubscribeUrl,
        viewUrl,
        now: Date.now(),
      });
    } catch (err) {
      // Only a bug gets here (every field is sanitized, every link checked): resending the same
      // event cannot fix it.
      throw new DeliveryError('permanent', `email: cannot compose (${(err as Error).message})`);
    }
    // Through a promise chain so a synchronous throw is classified like any other failure.
    const sending = Promise.resolve().then(() =>
      // The envelope names the one reader, whatever the headers say.
      this.pool.send({ from: this.sender.address, to: [person.email!] }, Buffer.from(raw, 'utf8')),
    );
    this.inFlight.add(sending);
    try {
      await sending;
    } catch (err) {
      throw smtpDeliveryError(err);
    } finally {
      this.inFlight.delete(sending);
    }
  }

  /**
   * Closes the pool. Sends still talking to the server (a worker that stopped waiting for them, or
   * a caller that closes first) get `closeGraceMs` to finish rather than being cut off mid-message;
   * sends asked for after this fail as transient and go out after the restart.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.options.closeGraceMs ?? 10_000);
      });
      await Promise.race([Promise.allSettled([...this.inFlight]), grace]);
      clearTimeout(timer);
      this.pool.close();
    })();
    return this.closing;
  }
}

/**
 * The pool's shape. A session carries up to 1,000 messages before it is replaced (nodemailer's
 * default of 100 spends a reconnect and a fresh EHLO every hundred: about 5 % of a fan-out's
 * throughput); a server that wants fewer closes it with a 421, which the engine retries. An idle
 * session says QUIT after 20 s, before the 30 s socket timeout below would cut it off.
 */
export const SMTP_POOL = { maxConnections: 5, maxMessages: 1_000, idleTimeoutMs: 20_000 } as const;

/** The pool for `SMTP_URL`; a URL it cannot use stops start-up naming the variable. */
function smtpPool(url: string): SmtpPool {
  try {
    return SmtpPool.fromUrl(url, SMTP_POOL, {
      // Well inside the engine's lease, so a hung server fails the attempt instead of letting
      // another worker take the delivery over while this one still waits.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      // A server that never closes its end of a session this pool closed is not waited for long.
      socketCloseTimeout: 1_000,
    });
  } catch (err) {
    // Never echo the URL: it may carry the SMTP password.
    throw new Error(`SMTP_URL: cannot be used (${(err as Error).message})`);
  }
}

/** The sender as an address object; a malformed `EMAIL_FROM` stops start-up naming the variable. */
function parseSender(from: string): { name: string; address: string } {
  const [first] = addressparser(from, { flatten: true });
  if (!first || !isPlainAddress(first.address)) {
    throw new Error(
      `EMAIL_FROM="${from}": must be an email address, e.g. Herald <herald@example.com>`,
    );
  }
  return mailbox(first.name, first.address);
}
