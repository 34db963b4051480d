/**
 * Header fields of the messages Herald composes itself (RFC 5322), formatted as nodemailer did:
 * the same quoting and encoding of names, so readers see what they saw before. User text reaches
 * a header only through `headerText` (no control characters); `headerFields` checks every field
 * once more before it is sent, so a bug can never turn text into a header of its own.
 */
import { domainToASCII } from 'node:url';
import { encodedWords, needsEncoding } from './mime-encoding.js';

/** Preferred longest line (RFC 5322 §2.1.1); a single longer word gets a line of its own. */
const FOLD_AT = 78;
/** The hard limit (RFC 5322 §2.1.1). */
const MAX_LINE = 998;

/**
 * One header field, folded before a word that would carry its line past 78 characters. The words
 * are joined by single spaces, which unfolding gives back.
 */
export function headerField(name: string, words: readonly string[]): string {
  let out = `${name}:`;
  let lineLength = out.length;
  for (const word of words) {
    // An empty word (two spaces in a row) never starts a line: a line of blanks is not allowed.
    if (word !== '' && lineLength + 1 + word.length > FOLD_AT) {
      out += `\r\n ${word}`;
      lineLength = 1 + word.length;
    } else {
      out += ` ${word}`;
      lineLength += 1 + word.length;
    }
  }
  return out;
}

/** An unstructured value (a subject) as words: encoded words when it is not plain ASCII. */
export function textWords(value: string): string[] {
  return needsEncoding(value) ? encodedWords(value) : value.split(' ');
}

/** An address nodemailer would not have to bracket (no specials anywhere in it). */
const PLAIN_ADDRESS = /^[^\s"(),:;<>@[\\\]]+@[^\s"(),:;<>@[\\\]]+$/;

/**
 * A mailbox as words: `Name <address>`, the name left bare when it is letters, digits and spaces,
 * quoted when it is other printable ASCII, RFC 2047-encoded otherwise. `name` must already be
 * header-safe (`mailbox` in header-text.ts), `address` a plain address (`isPlainAddress`).
 */
export function mailboxWords(name: string, address: string): string[] {
  const addr = headerAddress(address);
  if (name === '') return [PLAIN_ADDRESS.test(addr) ? addr : `<${addr}>`];
  const display = needsEncoding(name)
    ? encodedWords(name)
    : /^[\w ]*$/.test(name)
      ? name.split(' ')
      : [`"${name.replace(/["\\]/g, '\\$&')}"`];
  return [...display, `<${addr}>`];
}

/**
 * The address as a header carries it: an internationalised domain as its A-label when the local
 * part is ASCII (as nodemailer writes it, and as the envelope gets it); otherwise as given.
 */
function headerAddress(address: string): string {
  if (!/[^\x20-\x7e]/.test(address)) return address;
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  if (/[^\x20-\x7e]/.test(local)) return address;
  const domain = domainToASCII(address.slice(at + 1));
  return domain === '' ? address : `${local}@${domain}`;
}

let lastDate = { second: -1, field: '' };

/** `Date: Thu, 26 Nov 2026 12:00:00 +0000`, formatted once per second. */
export function dateField(now: number): string {
  const second = Math.floor(now / 1000);
  if (second !== lastDate.second) {
    const stamp = new Date(second * 1000).toUTCString().replace(/GMT$/, '+0000');
    lastDate = { second, field: `Date: ${stamp}` };
  }
  return lastDate.field;
}

/** A header name and its colon. */
const NAME = /^[A-Za-z][A-Za-z0-9-]*:/;
/**
 * What a field may not hold: a control character (tab aside), DEL, a C1 control, a line or
 * paragraph separator, a CR that does not fold the field (CRLF, then a blank, then more of the
 * field) or an LF that is not part of one.
 */
// eslint-disable-next-line no-control-regex -- the control characters are what is refused.
const BROKEN = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]|\r(?!\n[ \t]\S)|(?<!\r)\n/;

/**
 * The header block of `fields`, each field checked: a line break that does not fold, a control
 * character or a line past 998 octets throws, so it is never sent.
 */
export function headerFields(fields: readonly string[]): string {
  for (const field of fields) {
    if (
      !NAME.test(field) ||
      BROKEN.test(field) ||
      // Characters count at most 3 octets each: only a long field can hold a long line.
      (field.length * 3 > MAX_LINE &&
        field.split('\r\n').some((line) => Buffer.byteLength(line) > MAX_LINE))
    ) {
      throw new Error(`unsafe header field: ${JSON.stringify(field.slice(0, 40))}`);
    }
  }
  return fields.join('\r\n');
}
