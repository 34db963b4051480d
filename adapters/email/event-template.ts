import { randomBytes } from 'node:crypto';
import type { NotificationEvent } from '../../src/domain/types.js';
import { headerField, headerFields, textWords } from './mime-headers.js';
import { quotedPrintable } from './mime-encoding.js';
import { renderEmail } from './render-email.js';
import { RecentlyUsed } from '../../src/recently-used.js';

/** Where a reader's own link goes in a part. */
export type Slot = 'unsubscribe' | 'view';

/**
 * A part, encoded: quoted-printable pieces, each ending at the start of a line, between the slots
 * that take the reader's links. Joining the pieces with the links encoded alike gives the part.
 */
export type EncodedPart = ReadonlyArray<string | { slot: Slot }>;

/**
 * One event rendered and encoded once, for every reader: nothing in it names a person. What
 * differs per reader (To, Message-ID, threading, the links) is filled in by `composeMessage`.
 */
export interface EventTemplate {
  eventId: number;
  /** The folded, checked `Subject:` field. */
  subject: string;
  /** The multipart boundary: `=_` never occurs in quoted-printable text, so no part can hold it. */
  boundary: string;
  text: EncodedPart;
  html: EncodedPart;
}

/** Which slots an event's mails carry (a reminder has neither; without a linker, no view link). */
export interface Slots {
  unsubscribe: boolean;
  view: boolean;
}

/**
 * Renders `event` with a stand-in URL in each slot and cuts the parts at them. The stand-ins carry
 * a random nonce drawn after the event's text was written, so no user text can contain one.
 */
export function eventTemplate(event: NotificationEvent, slots: Slots): EventTemplate {
  const nonce = randomBytes(12).toString('hex');
  const standIn = (slot: Slot) => `https://slot.invalid/${nonce}/${slot}`;
  const rendered = renderEmail(
    event.payload,
    slots.unsubscribe ? standIn('unsubscribe') : null,
    slots.view ? standIn('view') : null,
  );
  const cut = new RegExp(`https://slot\\.invalid/${nonce}/(unsubscribe|view)`);
  // With a capturing group, split puts each slot's name between the pieces around it.
  const encode = (part: string): EncodedPart =>
    part
      .split(cut)
      .map((piece, i) => (i % 2 === 1 ? { slot: piece as Slot } : quotedPrintable(piece)))
      .filter((piece) => piece !== '');
  const text = encode(rendered.text);
  const html = encode(rendered.html);
  // A renderer that changed a URL (escaping it, breaking it for linkifiers) would leave a stand-in
  // in the mail and the reader without their link: refuse rather than send that.
  for (const slot of ['unsubscribe', 'view'] as const) {
    const holds = (part: EncodedPart) =>
      part.some((piece) => typeof piece !== 'string' && piece.slot === slot);
    if (slots[slot] && !(holds(text) && holds(html))) {
      throw new Error(`the ${slot} link is missing from the rendered mail`);
    }
  }
  return {
    eventId: event.id,
    subject: headerFields([headerField('Subject', textWords(rendered.subject))]),
    boundary: `=_herald_${nonce}`,
    text,
    html,
  };
}

/**
 * The last few events' templates. A fan-out sends one event to many readers in a row, so a few
 * entries serve nearly every mail; least recently used goes first.
 */
export class TemplateCache {
  private readonly entries: RecentlyUsed<string, EventTemplate>;

  constructor(size = 16) {
    this.entries = new RecentlyUsed(size);
  }

  get(event: NotificationEvent, slots: Slots): EventTemplate {
    const key = `${event.id}:${slots.unsubscribe ? 'u' : ''}${slots.view ? 'v' : ''}`;
    return this.entries.get(key, () => eventTemplate(event, slots));
  }
}
