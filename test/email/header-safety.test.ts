import { describe, expect, it } from 'vitest';
import { headerText, isPlainAddress, mailbox } from '../../adapters/email/header-text.js';
import { messageIdFactory } from '../../adapters/email/message-id.js';
import { emailSubject } from '../../adapters/email/subject.js';
import type { EventPayload } from '../../src/domain/types.js';

const payload = (title: string, kind: EventPayload['kind'] = 'update'): EventPayload => ({
  kind,
  incident: {
    id: 42,
    title,
    summary: '',
    severity: 'SEV2',
    service: null,
    status: 'open',
  },
  text: null,
  at: Date.UTC(2026, 10, 26, 12, 0),
  by: null,
});

describe('header sanitization', () => {
  it('turns every line break and control character into one space', () => {
    expect(headerText('Oops\r\nBcc: x@evil.example')).toBe('Oops Bcc: x@evil.example');
    expect(headerText('a\rb\nc\u0000d\u0085e\u2028f\u2029g\u007fh\u001bi\tj')).toBe(
      'a b c d e f g h i j',
    );
    expect(headerText('  spaced \r\n\r\n out  ')).toBe('spaced out');
  });

  it('cuts overlong text on a code point, with an ellipsis', () => {
    expect(headerText('x'.repeat(300))).toHaveLength(200);
    expect(headerText('😀'.repeat(10), 5)).toBe('😀😀😀😀…');
  });

  it('makes subjects one line whatever the title holds', () => {
    expect(emailSubject(payload('Oops\r\nBcc: x@evil.example'))).toBe(
      '[Update] #42 Oops Bcc: x@evil.example',
    );
    expect(emailSubject(payload('Checkout errors', 'subscribed'))).toBe(
      '[SEV2] #42 Checkout errors',
    );
    expect(emailSubject(payload('Checkout errors', 'resolved'))).toBe(
      '[Resolved] #42 Checkout errors',
    );
    expect(emailSubject(payload('Checkout errors', 'reminder'))).toBe(
      '[Reminder] #42 Checkout errors',
    );
    expect(emailSubject(payload('x'.repeat(1000)))).not.toMatch(/[\r\n]/);
  });

  it('builds address objects with clean names, never strings to re-parse', () => {
    expect(mailbox('Eve\r\nBcc: x@evil.example', 'eve@corp.example')).toEqual({
      name: 'Eve Bcc: x@evil.example',
      address: 'eve@corp.example',
    });
    expect(mailbox('eve@corp.example', 'eve@corp.example')).toEqual({
      name: '',
      address: 'eve@corp.example',
    });
  });

  it('accepts only plain addresses', () => {
    expect(isPlainAddress('ann@corp.example')).toBe(true);
    expect(isPlainAddress('herald@localhost')).toBe(true);
    for (const bad of [
      'ann@corp.example\r\nBcc: x@evil.example',
      'ann@corp.example, x@evil.example',
      'Ann <ann@corp.example>',
      'ann',
      'a@b@c',
      'ann@corp\u0000.example',
    ]) {
      expect(isPlainAddress(bad)).toBe(false);
    }
  });
});

describe('Message-IDs', () => {
  it('are stable per delivery, distinct per installation, on the sender domain', () => {
    const ids = messageIdFactory('secret-one-0123456789', 'herald@status.example');
    expect(ids(7)).toBe(ids(7));
    expect(ids(7)).toMatch(/^<herald\.7\.[0-9a-f]{12}@status\.example>$/);
    expect(ids(8)).not.toBe(ids(7));
    expect(messageIdFactory('secret-two-0123456789', 'herald@status.example')(7)).not.toBe(ids(7));
    expect(messageIdFactory('s', 'herald@Bad Domain>')(1)).toMatch(/@localhost>$/);
  });
});
