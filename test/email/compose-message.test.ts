import { simpleParser, type ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { composeMessage, type Reader } from '../../adapters/email/compose-message.js';
import { eventTemplate, TemplateCache } from '../../adapters/email/event-template.js';
import { mailboxWords } from '../../adapters/email/mime-headers.js';
import { renderEmail } from '../../adapters/email/render-email.js';
import { emailSubject } from '../../adapters/email/subject.js';
import type { EventKind, NotificationEvent } from '../../src/domain/types.js';
import { rawHeader } from './email-harness.js';

const event = (
  id: number,
  text: string | null,
  kind: EventKind = 'update',
  title = 'Checkout errors for EU customers',
): NotificationEvent => ({
  id,
  incidentId: 42,
  kind,
  createdAt: 0,
  payload: {
    kind,
    incident: {
      id: 42,
      title,
      summary: 'Some EU customers cannot pay.',
      severity: 'SEV1',
      service: 'checkout',
      status: 'open',
    },
    text,
    at: Date.UTC(2026, 10, 26, 12, 0),
    by: 'Rita Responder',
  },
});

const reader = (n: number, name: string, overrides: Partial<Reader> = {}): Reader => ({
  from: 'From: Herald Status <herald@status.example>',
  to: mailboxWords(name, `reader${n}@corp.example`),
  messageId: `<herald.${n}.abc@status.example>`,
  parent: null,
  unsubscribeUrl: `https://herald.example/unsubscribe?token=UNSUB${n}`,
  viewUrl: `https://herald.example/my/link/VIEW${n}`,
  now: Date.UTC(2026, 10, 26, 12, 0, 5),
  ...overrides,
});

/** 3,000 characters of non-ASCII update with words far longer than any line. */
const LONG_UPDATE = Array.from({ length: 400 }, (_, i) =>
  i % 7 === 0 ? 'Überweisungsrückläufer'.repeat(10) : i % 3 ? 'Zahlung' : '日本語のテキスト😀',
)
  .join(' ')
  .slice(0, 3000);

const parse = (raw: string): Promise<ParsedMail> => simpleParser(Buffer.from(raw));

describe('a raw message', () => {
  it('keeps every line within 78 octets, 7-bit, with a long non-ASCII update', async () => {
    expect([...LONG_UPDATE].length).toBeGreaterThan(2500);
    const title = 'Zahlungsfehler für Kunden in der EU — 日本語 '.repeat(6).trim();
    const raw = composeMessage(
      eventTemplate(event(1, LONG_UPDATE, 'update', title), { unsubscribe: true, view: true }),
      reader(1, 'Zoë Ångström 李雷'.repeat(5), { parent: '<herald.0.abc@status.example>' }),
    );
    const bytes = Buffer.from(raw, 'utf8');
    expect(bytes.length).toBe(raw.length); // nothing past ASCII
    expect(raw).toMatch(/\r\n$/);
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/); // only CRLF line ends
    for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);

    const mail = await parse(raw);
    expect(mail.subject).toBe(emailSubject(event(1, null, 'update', title).payload));
    expect(mail.subject).toMatch(/^\[Update\] #42 Zahlungsfehler für Kunden .*日本語 .*…$/);
    expect((mail.text ?? '').replace(/\u200B/g, '')).toContain(LONG_UPDATE);
    expect(mail.inReplyTo).toBe('<herald.0.abc@status.example>');
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail.headers.get('mime-version')).toBe('1.0');
    expect(mail.date?.toISOString()).toBe('2026-11-26T12:00:05.000Z');
  });

  it('is what renderEmail renders, part for part, with the reader’s links in place', async () => {
    const ev = event(2, 'Rolling back <script> & "friends"\nNext update in 30 min.');
    const r = reader(7, 'Ann Stakeholder');
    const mail = await parse(
      composeMessage(eventTemplate(ev, { unsubscribe: true, view: true }), r),
    );
    const expected = renderEmail(ev.payload, r.unsubscribeUrl, r.viewUrl);
    expect(mail.text).toBe(expected.text);
    expect(mail.html).toBe(expected.html);
    expect(mail.subject).toBe(expected.subject);
  });

  it('differs between two readers of one event only in their own fields', async () => {
    const template = eventTemplate(event(3, 'Rolled back.'), { unsubscribe: true, view: true });
    const [a, b] = await Promise.all(
      [reader(1, 'Ann Stakeholder'), reader(2, 'Bob Builder')].map((r) =>
        parse(composeMessage(template, r)),
      ),
    );
    const neutral = (mail: ParsedMail, n: number) =>
      `${mail.text}|${String(mail.html)}`
        .replaceAll(`UNSUB${n}`, 'UNSUB')
        .replaceAll(`VIEW${n}`, 'VIEW');
    expect(a!.text).toContain('UNSUB1');
    expect(a!.html).toContain('VIEW1');
    expect(b!.text).toContain('VIEW2');
    expect(String(b!.html)).not.toContain('UNSUB1');
    expect(neutral(a!, 1)).toBe(neutral(b!, 2));
    expect(a!.subject).toBe(b!.subject);
    expect(a!.messageId).not.toBe(b!.messageId);
    const to = (mail: ParsedMail) => (mail.to as { value: unknown }).value;
    expect(to(a!)).toEqual([{ name: 'Ann Stakeholder', address: 'reader1@corp.example' }]);
    expect(to(b!)).toEqual([{ name: 'Bob Builder', address: 'reader2@corp.example' }]);
    expect(rawHeader(a!, 'List-Unsubscribe')).toBe(
      '<https://herald.example/unsubscribe?token=UNSUB1>',
    );
    expect(rawHeader(b!, 'List-Unsubscribe')).toBe(
      '<https://herald.example/unsubscribe?token=UNSUB2>',
    );
  });

  it('carries no unsubscribe header, link or slot when the event has none (reminders)', async () => {
    const template = eventTemplate(event(4, 'No update for 30 minutes.', 'reminder'), {
      unsubscribe: false,
      view: false,
    });
    const raw = composeMessage(template, reader(1, 'Ann', { unsubscribeUrl: null, viewUrl: null }));
    const mail = await parse(raw);
    expect(raw).not.toMatch(/^List-Unsubscribe/im);
    expect(mail.text).not.toContain('Unsubscribe');
    expect(mail.text).not.toContain('View incident');
    expect(raw).not.toContain('slot.invalid');
  });

  it('shows user text that looks like an encoded word as typed', async () => {
    const title = 'Pay =?UTF-8?B?SGk=?= now';
    const mail = await parse(
      composeMessage(
        eventTemplate(event(5, null, 'update', title), { unsubscribe: true, view: true }),
        {
          ...reader(1, '=?UTF-8?B?SGk=?= Mallory'),
        },
      ),
    );
    expect(mail.subject).toBe(`[Update] #42 ${title}`);
    expect((mail.to as { value: Array<{ name: string }> }).value[0]!.name).toBe(
      '=?UTF-8?B?SGk=?= Mallory',
    );
  });

  it('never lets a user text hold a slot: stand-ins carry a nonce drawn per render', async () => {
    const first = eventTemplate(event(6, 'x'), { unsubscribe: true, view: true });
    const nonce = first.boundary.replace('=_herald_', '');
    const sneaky = `https://slot.invalid/${nonce}/unsubscribe and https://slot.invalid/guess/view`;
    const mail = await parse(
      composeMessage(
        eventTemplate(event(7, sneaky), { unsubscribe: true, view: true }),
        reader(1, 'Ann'),
      ),
    );
    // The text stays text (links broken for linkifiers), and the reader's link appears only where
    // the template puts it.
    expect(((mail.text ?? '').match(/UNSUB1/g) ?? []).length).toBe(1);
    expect((mail.text ?? '').replace(/\u200B/g, '')).toContain(sneaky);
  });
});

describe('the template cache', () => {
  it('reuses an event’s template, never for another event', () => {
    const cache = new TemplateCache();
    const slots = { unsubscribe: true, view: true };
    const one = cache.get(event(1, 'First update'), slots);
    expect(cache.get(event(1, 'First update'), slots)).toBe(one);
    const two = cache.get(event(2, 'Second update'), slots);
    expect(two).not.toBe(one);
    expect(two.eventId).toBe(2);
    const text = two.text.filter((piece) => typeof piece === 'string').join('');
    expect(text).toContain('Second update');
    expect(text).not.toContain('First update');
    // The same event with other slots (no linker) is a template of its own.
    expect(cache.get(event(1, 'First update'), { unsubscribe: true, view: false })).not.toBe(one);
  });

  it('drops the least recently used template when full', () => {
    const cache = new TemplateCache(2);
    const slots = { unsubscribe: true, view: true };
    const a = cache.get(event(1, 'a'), slots);
    const b = cache.get(event(2, 'b'), slots);
    expect(cache.get(event(1, 'a'), slots)).toBe(a); // 1 is now the most recent
    cache.get(event(3, 'c'), slots); // evicts 2
    expect(cache.get(event(1, 'a'), slots)).toBe(a);
    expect(cache.get(event(2, 'b'), slots)).not.toBe(b);
  });
});
