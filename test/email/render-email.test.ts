import { describe, expect, it } from 'vitest';
import { renderEmail } from '../../adapters/email/render-email.js';
import type { EventPayload } from '../../src/domain/types.js';

const base: EventPayload = {
  kind: 'update',
  incident: {
    id: 42,
    title: 'Checkout <img src=x onerror=alert(1)>',
    summary: 'Pay with "cards" & <b>vouchers</b>',
    severity: 'SEV1',
    service: '<i>checkout</i>',
    status: 'open',
  },
  text: '<script>alert(1)</script>\nhttps://evil.example <a href="https://evil.example">x</a>',
  at: Date.UTC(2026, 10, 26, 9, 5),
  by: 'Rita <rita@corp.example>',
};
const LINK = 'https://herald.example/unsubscribe?token=abc';

describe('email templates', () => {
  it('escapes every piece of user text in the HTML part', () => {
    const { html } = renderEmail(base, LINK);
    expect(html).not.toMatch(/<(script|img|b|i)[\s>]/);
    expect(html).not.toContain('href="https://evil.example"');
    expect(html).toContain('#42 Checkout &lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;<br>');
    expect(html).toContain('Pay with &quot;cards&quot; &amp; &lt;b&gt;vouchers&lt;/b&gt;');
    expect(html).toContain('&lt;i&gt;checkout&lt;/i&gt;');
    // The address is broken for linkifiers by an invisible zero-width space; it reads the same.
    expect(html).toContain('from Rita &lt;rita@corp.\u200Bexample&gt;');
    expect(html).toContain(`<a href="${LINK}"`);
  });

  it('never lets a URL or an address typed by a user become a link, in either part', () => {
    const { html, text } = renderEmail(
      { ...base, text: 'see https://evil.example/x or www.evil.example, mail boss@evil.example' },
      LINK,
    );
    for (const part of [html, text]) {
      expect(part).not.toMatch(/https:\/\/evil|www\.evil|evil\.example/);
      expect(part.replace(/\u200B/g, '')).toContain(
        'see https://evil.example/x or www.evil.example, mail boss@evil.example',
      );
    }
  });

  it('says the same in the text part, with the time in UTC', () => {
    const { text, subject } = renderEmail(base, LINK);
    expect(subject).toBe('[Update] #42 Checkout <img src=x onerror=alert(1)>');
    expect(text).toContain('<script>alert(1)</script>');
    expect(text).toMatch(/Severity: +SEV1/);
    expect(text).toMatch(/Time: +2026-11-26 09:05 UTC/);
    expect(text).toContain(`Unsubscribe from this incident: ${LINK}`);
  });

  it('names the resolution note and shows when the service is not set', () => {
    const { text, html } = renderEmail(
      {
        ...base,
        kind: 'resolved',
        text: 'Rolled back.',
        incident: { ...base.incident, status: 'resolved', service: null },
      },
      LINK,
    );
    expect(text).toContain('Resolution note:\n  Rolled back.');
    expect(text).toMatch(/Status: +Resolved/);
    expect(text).toMatch(/Service: +not set/);
    expect(html).toContain('Resolution note');
  });

  it('leaves the unsubscribe link out when given none (reminders)', () => {
    const { text, html } = renderEmail(
      { ...base, kind: 'reminder', text: 'No stakeholder update for 30 minutes.' },
      null,
    );
    expect(text).not.toContain('Unsubscribe');
    expect(html).not.toContain('Unsubscribe');
    expect(text).toContain('you declared incident #42');
  });
});
