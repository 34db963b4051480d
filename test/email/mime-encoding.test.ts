import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import {
  encodedWords,
  needsEncoding,
  quotedPrintable,
} from '../../adapters/email/mime-encoding.js';
import { headerField, headerFields, mailboxWords } from '../../adapters/email/mime-headers.js';

/** Decodes a quoted-printable body the way a mail client does (mailparser). */
async function decodeQp(encoded: string): Promise<string> {
  const mail = await simpleParser(
    Buffer.from(
      'Content-Type: text/plain; charset=utf-8\r\n' +
        `Content-Transfer-Encoding: quoted-printable\r\n\r\n${encoded}`,
    ),
  );
  return mail.text ?? '';
}

const TRICKY = [
  'plain ascii line',
  'ends with spaces   \nand\ttabs\t\nlast line ends in a space ',
  `${'x'.repeat(75)}\n${'y'.repeat(76)}\n${'z'.repeat(200)}`,
  '= signs =3D =\n==== and a trailing =',
  'Zahlungsfehler für Kunden — 日本語 😀😀😀 '.repeat(12),
  '.\n.leading dot\nFrom the start',
  `${'é'.repeat(40)}${'😀'.repeat(40)}`,
];

describe('quoted-printable', () => {
  it('decodes back to the text, in 7-bit lines of at most 76 characters', async () => {
    for (const text of TRICKY) {
      const encoded = quotedPrintable(`${text}\n`);
      expect(encoded).toMatch(/\r\n$/);
      for (const line of encoded.split('\r\n')) {
        expect(line.length).toBeLessThanOrEqual(76);
        expect(line).toMatch(/^[\x21-\x7e \t]*$/);
        // Whitespace never ends a line (it could be stripped in transit).
        expect(line).not.toMatch(/[ \t]$/);
      }
      expect(await decodeQp(encoded)).toBe(`${text}\n`);
    }
  });

  it('encodes pieces apart that join into the encoding of the whole', async () => {
    const pieces = ['View incident: ', 'https://herald.example/my/link/AQEB7_ne2QZ', '\n-- \n'];
    const joined = pieces.map(quotedPrintable).join('');
    for (const line of joined.split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
    expect(await decodeQp(joined)).toBe(pieces.join(''));
  });

  it('gives nothing for nothing', () => {
    expect(quotedPrintable('')).toBe('');
  });
});

describe('encoded words (RFC 2047)', () => {
  it('split between code points into words of at most 75 characters that decode back', async () => {
    for (const text of ['Zoë Ångström', '李雷'.repeat(60), '😀'.repeat(50), 'é'.repeat(100)]) {
      const words = encodedWords(text);
      for (const word of words) {
        expect(word.length).toBeLessThanOrEqual(75);
        // Each word alone is whole UTF-8: no code point was cut in two.
        const b64 = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=$/.exec(word)?.[1];
        expect(Buffer.from(b64!, 'base64').toString('utf8')).not.toContain('\uFFFD');
      }
      const field = headerField('Subject', words);
      for (const line of field.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
      const mail = await simpleParser(Buffer.from(`${field}\r\n\r\nx`));
      expect(mail.subject).toBe(text);
    }
  });

  it('are used for text outside printable ASCII and for text that looks like one', () => {
    expect(needsEncoding('Checkout errors')).toBe(false);
    expect(needsEncoding('Zoë')).toBe(true);
    expect(needsEncoding('a\r\nBcc: x')).toBe(true);
    expect(needsEncoding('Title =?UTF-8?B?SGk=?=')).toBe(true);
  });
});

describe('header fields', () => {
  it('fold long ASCII values at spaces, never inside a word', async () => {
    const subject = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const field = headerField('Subject', subject.split(' '));
    for (const line of field.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
    expect((await simpleParser(Buffer.from(`${field}\r\n\r\nx`))).subject).toBe(subject);
  });

  it('quote or encode display names as nodemailer did', () => {
    expect(mailboxWords('Ann Stakeholder', 'ann@corp.example')).toEqual([
      'Ann',
      'Stakeholder',
      '<ann@corp.example>',
    ]);
    expect(mailboxWords('Eve Bcc: x@evil.example', 'eve@corp.example')).toEqual([
      '"Eve Bcc: x@evil.example"',
      '<eve@corp.example>',
    ]);
    expect(mailboxWords('Say "hi" \\o/', 'a@corp.example')[0]).toBe('"Say \\"hi\\" \\\\o/"');
    expect(mailboxWords('', 'ann@corp.example')).toEqual(['ann@corp.example']);
    expect(mailboxWords('Zoë', 'zoe@bücher.example')).toEqual([
      '=?UTF-8?B?Wm/Dqw==?=',
      '<zoe@xn--bcher-kva.example>',
    ]);
  });

  it('refuse a field that a line break, a control character or an overlong line would break', () => {
    expect(() => headerFields(['To: a@corp.example\r\nBcc: x@evil.example'])).toThrow(/unsafe/);
    expect(() => headerFields(['Subject: a\nb'])).toThrow(/unsafe/);
    expect(() => headerFields(['Subject: a\rb'])).toThrow(/unsafe/);
    expect(() => headerFields(['Subject: a\u0000b'])).toThrow(/unsafe/);
    expect(() => headerFields(['Subject: a\r\n '])).toThrow(/unsafe/);
    expect(() => headerFields([`Subject: ${'x'.repeat(999)}`])).toThrow(/unsafe/);
    expect(() => headerFields(['Bad Name: x'])).toThrow(/unsafe/);
    expect(headerFields(['Subject: a\r\n b', 'To: b@corp.example'])).toBe(
      'Subject: a\r\n b\r\nTo: b@corp.example',
    );
  });
});
