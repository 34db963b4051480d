import { DeliveryError } from '../../src/delivery/ports.js';

/** The fields nodemailer sets on its errors (`NodemailerError`), all optional. */
interface SmtpFailure {
  message?: unknown;
  code?: unknown;
  responseCode?: unknown;
  command?: unknown;
}

/** The steps whose refusal is about this recipient or this message. */
const MESSAGE_STEPS = new Set(['RCPT TO', 'DATA']);

/** Nodemailer codes for a request that can never succeed as written: no retry helps. */
const INVALID_REQUEST = new Set(['EENVELOPE', 'EMESSAGE']);

/**
 * Classifies a failed send for the delivery engine (the one layer that retries):
 *
 * - 4xx replies (421 busy, 450 greylisted, 452 full) and 503 (wrong session state): transient;
 * - 5xx replies refusing the recipient or the message: permanent, so the delivery ends
 *   `undeliverable` — email has no channel to fall back to;
 * - 5xx replies at any other step (the greeting, EHLO, STARTTLS, authentication, `MAIL FROM`)
 *   are about the session, not this recipient: the operator's to fix (a blocked address, TLS,
 *   credentials, the sender address), so transient, and every mail goes out once fixed;
 * - connection trouble (ECONNREFUSED, ETIMEDOUT, ECONNECTION, ESOCKET, DNS, TLS) and anything
 *   unknown: transient — retrying is the safe default;
 * - an envelope nodemailer refuses before talking to the server (an invalid address): permanent.
 */
export function smtpDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SmtpFailure;
  const message = describe(e, err);
  const reply = typeof e.responseCode === 'number' ? e.responseCode : null;
  const code = typeof e.code === 'string' ? e.code : '';
  const command = typeof e.command === 'string' ? e.command : '';
  if (reply !== null) {
    const permanent = reply >= 500 && reply < 600 && reply !== 503;
    const aboutThisMail = MESSAGE_STEPS.has(command) && code !== 'EAUTH';
    return new DeliveryError(permanent && aboutThisMail ? 'permanent' : 'transient', message);
  }
  return new DeliveryError(INVALID_REQUEST.has(code) ? 'permanent' : 'transient', message);
}

/** One line for the delivery's `last_error`: the code and the server's words, bounded. */
function describe(e: SmtpFailure, raw: unknown): string {
  const text =
    typeof e.message === 'string' && e.message !== ''
      ? e.message
      : typeof raw === 'string'
        ? raw
        : 'unknown error';
  const code = typeof e.code === 'string' ? `${e.code}: ` : '';
  const line = `smtp ${code}${text}`.replace(/\s+/g, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 499)}…` : line;
}
