import type { Socket } from 'node:net';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';

/** One message's envelope: the sender and the recipients the server is told of. */
export interface Envelope {
  from: string;
  to: string[];
}

/** A failed transaction, coded as nodemailer codes its own (`smtp-error.ts` reads these). */
export type SmtpFailure = Error & {
  code: string;
  response?: string;
  responseCode?: number;
  command: string;
};

/**
 * The parts of nodemailer's `SMTPConnection` a transaction uses: its socket, the queue of
 * handlers its reply parser hands each reply to, and what the server said it supports. They are
 * not its documented API; `package-lock.json` pins the version, and the pool's tests run every
 * path through them against a real SMTP server.
 */
interface Session {
  _socket: Socket | false | null;
  _responseActions: ((reply: string) => void)[];
  _supportedExtensions: string[];
  _destroyed: boolean;
}

/** One message to send, and who hears how it went. */
export interface Transaction {
  envelope: Envelope;
  message: Buffer;
  /** Called just before the message itself is written: until then, it cannot have gone out. */
  writing?: () => void;
  /**
   * Called once, with `null` when the server accepted the message for at least one recipient.
   * Not called when the session ends first: the pool learns that from its `error` and `end`.
   */
  done: (err: SmtpFailure | null) => void;
}

/**
 * Asked once a transaction's message is about to go: the next transaction's commands to send in
 * the same write (`pipelineTransaction`), or `''`.
 */
export type Follow = () => string;

/**
 * Sends one message over a session that is ready (greeted, secured and logged in by
 * `SMTPConnection`), with as few writes and waits as the protocol allows. With PIPELINING
 * (RFC 2920) `MAIL FROM`, every `RCPT TO` and `DATA` go out in one write; the message, dot-stuffed,
 * its final dot and the next transaction's commands (`follow`) in the next: one write and one
 * round of replies a mail while messages are waiting. `SMTPConnection.send` writes the message
 * through a transform stream of its own, three writes and two waits a mail.
 */
export function sendTransaction(smtp: SMTPConnection, tx: Transaction, follow?: Follow): void {
  const commands = begin(smtp, tx, follow, (err) => tx.done(err));
  const socket = (smtp as unknown as Session)._socket;
  if (commands && socket) socket.write(commands, 'utf8');
}

/**
 * Begins `tx` behind the message of the transaction `follow` was asked by, and returns its
 * commands for that message's write. Never settles `tx` before that write: a failure found here
 * is handed over a microtask later.
 */
export function pipelineTransaction(smtp: SMTPConnection, tx: Transaction, follow: Follow): string {
  return begin(smtp, tx, follow, (err) => queueMicrotask(() => tx.done(err)));
}

/** Queues the handlers of `tx`'s replies and returns the commands to write now ('' if none). */
function begin(
  smtp: SMTPConnection,
  tx: Transaction,
  follow: Follow | undefined,
  fail: (err: SmtpFailure) => void,
): string {
  const { envelope, message, done } = tx;
  const invalid = [envelope.from, ...envelope.to].find((a) => /[\r\n<>]/.test(a));
  if (invalid !== undefined || envelope.to.length === 0) {
    const what =
      invalid === undefined
        ? 'No recipients defined'
        : `Invalid address ${JSON.stringify(invalid)}`;
    fail(failure(what, 'EENVELOPE', null, 'API'));
    return '';
  }
  if (message.length === 0) {
    fail(failure('Empty message', 'EMESSAGE', null, 'API'));
    return '';
  }
  const session = smtp as unknown as Session;
  const socket = session._socket;
  if (session._destroyed || !socket || socket.destroyed || !socket.writable) {
    fail(failure('Cannot send message - the session has ended', 'ECONNECTION', null, 'API'));
    return '';
  }

  const extensions = session._supportedExtensions;
  const utf8 =
    extensions.includes('SMTPUTF8') && /[\u0080-\uffff]/.test(envelope.from + envelope.to.join(''));
  const commands = [
    `MAIL FROM:<${envelope.from}>${utf8 ? ' SMTPUTF8' : ''}`,
    ...envelope.to.map((to) => `RCPT TO:<${to}>`),
    'DATA',
  ];
  const pipelined = extensions.includes('PIPELINING');
  let queued = 0;
  let mailRefused: SmtpFailure | null = null;
  let accepted = 0;
  const refusals: SmtpFailure[] = [];

  /** Queues a handler for each of the next `n` commands' replies; returns their text. */
  const next = (n: number): string => {
    for (let i = queued; i < queued + n; i++) {
      const step = i;
      session._responseActions.push((reply) => onReply(step, reply));
    }
    const text = `${commands.slice(queued, queued + n).join('\r\n')}\r\n`;
    queued += n;
    return text;
  };
  const write = (n: number) => void socket.write(next(n), 'utf8');

  const onReply = (step: number, reply: string) => {
    const ok = reply.startsWith('2');
    if (step === 0) {
      if (!ok) mailRefused = failure('Mail command failed', 'EENVELOPE', reply, 'MAIL FROM');
      if (!pipelined) return mailRefused ? done(mailRefused) : write(1);
      return;
    }
    if (step < commands.length - 1) {
      if (ok) accepted++;
      else refusals.push(failure('Recipient command failed', 'EENVELOPE', reply, 'RCPT TO'));
      if (pipelined) return;
      if (step < commands.length - 2) return write(1);
      return accepted > 0 ? write(1) : done(allRefused(refusals, reply));
    }
    onData(reply);
  };

  /** The reply to `DATA`: with PIPELINING, the envelope's fate is known only now. */
  const onData = (reply: string) => {
    const envelopeFailure = mailRefused ?? (accepted === 0 ? allRefused(refusals, reply) : null);
    if (envelopeFailure) {
      if (!reply.startsWith('3')) return done(envelopeFailure);
      // A server must refuse DATA when nothing in the envelope was accepted; this one took it.
      // An empty message ends the transaction when it has nobody to go to; a server that refused
      // the sender has no transaction to end, and is not trusted with the session.
      if (mailRefused) {
        smtp.close();
        return done(envelopeFailure);
      }
      session._responseActions.push(() => done(envelopeFailure));
      socket.write('.\r\n');
      return;
    }
    // Some servers answer DATA with 250 instead of 354.
    if (!/^[23]/.test(reply)) {
      return done(failure('Data command failed', 'EENVELOPE', reply, 'DATA'));
    }
    session._responseActions.push((final) =>
      done(final.startsWith('2') ? null : failure('Message failed', 'EMESSAGE', final, 'DATA')),
    );
    tx.writing?.();
    const following = pipelined && follow ? follow() : '';
    socket.write(
      following ? Buffer.concat([dataOf(message), Buffer.from(following)]) : dataOf(message),
    );
  };

  if (pipelined) return next(commands.length);
  write(1);
  return '';
}

/**
 * A message as it goes after `DATA` (RFC 5321 4.5.2): every line ended by CRLF (a bare CR or LF,
 * which some servers read as a line end, could end the data early: SMTP smuggling), a dot at the
 * start of a line doubled, and the final `.` line.
 */
export function dataOf(message: Buffer): Buffer {
  let text = message.toString('latin1');
  if (/\r(?!\n)|(?<!\r)\n/.test(text)) text = text.replace(/\r\n|\r|\n/g, '\r\n');
  text = text.replace(/^\./gm, '..');
  return Buffer.from(`${text}${text.endsWith('\r\n') ? '' : '\r\n'}.\r\n`, 'latin1');
}

/** Every recipient refused: a deferral (4xx) among them speaks for all, else the last refusal. */
function allRefused(refusals: SmtpFailure[], reply: string): SmtpFailure {
  const deferred = refusals.find((r) => (r.responseCode ?? 0) < 500);
  const speaking = deferred ?? refusals.at(-1);
  return failure(
    "Can't send mail - all recipients were rejected",
    'EENVELOPE',
    speaking?.response ?? reply,
    'RCPT TO',
  );
}

function failure(
  message: string,
  code: string,
  reply: string | null,
  command: string,
): SmtpFailure {
  const err = new Error(reply ? `${message}: ${reply}` : message) as SmtpFailure;
  err.code = code;
  err.command = command;
  if (reply) {
    err.response = reply;
    const responseCode = Number(/^\d{3}/.exec(reply)?.[0]);
    if (responseCode) err.responseCode = responseCode;
  }
  return err;
}
