import { escapeHtml } from '../html.js';
import type { EncodedPart, EventTemplate } from './event-template.js';
import { quotedPrintable } from './mime-encoding.js';
import { dateField, headerField, headerFields } from './mime-headers.js';

/** What one reader's mail of an event has of its own. */
export interface Reader {
  /** `From:` field, formatted once per messenger. */
  from: string;
  /** The reader's mailbox as words (`mailboxWords`). */
  to: readonly string[];
  messageId: string;
  /** The Message-ID this mail threads under; `null` for the first of its thread. */
  parent: string | null;
  /** `null` exactly when the template has no such slot. */
  unsubscribeUrl: string | null;
  viewUrl: string | null;
  now: number;
}

/**
 * The complete RFC 5322 message for one reader: headers, then multipart/alternative with the text
 * part before the HTML part (clients show the last they can render), both quoted-printable UTF-8,
 * so every line is 7-bit and at most 78 octets (a header word longer than that aside).
 */
export function composeMessage(template: EventTemplate, reader: Reader): string {
  const fields = [
    reader.from,
    headerField('To', reader.to),
    template.subject,
    dateField(reader.now),
    headerField('Message-ID', [reader.messageId]),
  ];
  if (reader.parent) {
    fields.push(headerField('In-Reply-To', [reader.parent]));
    fields.push(headerField('References', [reader.parent]));
  }
  fields.push(
    'MIME-Version: 1.0',
    // Keeps out-of-office replies and auto-responders from answering a notification.
    'Auto-Submitted: auto-generated',
  );
  if (reader.unsubscribeUrl) {
    fields.push(
      headerField('List-Unsubscribe', [`<${reader.unsubscribeUrl}>`]),
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    );
  }
  fields.push(`Content-Type: multipart/alternative;\r\n boundary="${template.boundary}"`);
  const unsubscribe = encodedLink(reader.unsubscribeUrl);
  const view = encodedLink(reader.viewUrl);
  const textLinks = { unsubscribe: unsubscribe.text, view: view.text };
  const htmlLinks = { unsubscribe: unsubscribe.html, view: view.html };
  const delimiter = `\r\n--${template.boundary}\r\n`;
  return (
    `${headerFields(fields)}\r\n\r\n--${template.boundary}\r\n` +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    'Content-Transfer-Encoding: quoted-printable\r\n\r\n' +
    fill(template.text, textLinks) +
    `${delimiter}Content-Type: text/html; charset=utf-8\r\n` +
    'Content-Transfer-Encoding: quoted-printable\r\n\r\n' +
    fill(template.html, htmlLinks) +
    `\r\n--${template.boundary}--\r\n`
  );
}

/** A reader's link encoded for each part: as it is in the text, HTML-escaped in the HTML. */
function encodedLink(url: string | null): { text: string; html: string } {
  if (url === null) return { text: '', html: '' };
  const text = quotedPrintable(url);
  const escaped = escapeHtml(url);
  return { text, html: escaped === url ? text : quotedPrintable(escaped) };
}

/** The part with its slots filled by the reader's encoded links. */
function fill(part: EncodedPart, links: { unsubscribe: string; view: string }): string {
  let out = '';
  for (const piece of part) out += typeof piece === 'string' ? piece : links[piece.slot];
  return out;
}
