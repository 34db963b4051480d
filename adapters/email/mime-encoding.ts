/**
 * The two MIME encodings Herald's mails need, written out so a message can be composed once per
 * event and finished per reader by joining strings (see `event-template.ts`). Both produce 7-bit
 * ASCII, so no relay has to know 8BITMIME and no line grows past what RFC 5322 allows.
 */

/** `=XX` for every byte value. */
const ESCAPED = Array.from(
  { length: 256 },
  (_, b) => `=${b.toString(16).toUpperCase().padStart(2, '0')}`,
);

/** Longest encoded line before its soft break's `=`: 75 + `=` keeps every line ≤ 76 (RFC 2045). */
const QP_LINE = 75;

/**
 * Quoted-printable (RFC 2045 §6.7) of `text` as UTF-8. Each LF becomes a CRLF line break; longer
 * lines are cut with soft breaks (`=` CRLF). The result always ends at the start of a line —
 * after its last CRLF, or after a closing soft break when `text` does not end with LF — so pieces
 * encoded apart join into one valid body that decodes to the pieces joined.
 */
export function quotedPrintable(text: string): string {
  if (text === '') return '';
  const bytes = Buffer.from(text, 'utf8');
  // Finished lines are joined once at the end: one flat string. Appending to a single result would
  // leave a rope of thousands of pieces, walked again each time the string is copied (each
  // reader's mail holds the event's pieces).
  const lines: string[] = [];
  let line = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x0a) {
      lines.push(`${line}\r\n`);
      line = '';
      continue;
    }
    let token: string;
    if (b >= 0x21 && b <= 0x7e && b !== 0x3d) {
      token = String.fromCharCode(b);
    } else if (b === 0x20 || b === 0x09) {
      // Whitespace at the end of a line may be stripped in transit: encoded there.
      const next = bytes[i + 1];
      token = next === undefined || next === 0x0a ? ESCAPED[b]! : String.fromCharCode(b);
    } else {
      token = ESCAPED[b]!;
    }
    if (line.length + token.length > QP_LINE) {
      lines.push(`${line}=\r\n`);
      line = '';
    }
    line += token;
  }
  if (line !== '') lines.push(`${line}=\r\n`);
  return lines.join('');
}

/** UTF-8 bytes of one code point (a lone surrogate is written as U+FFFD, 3 bytes). */
const utf8Length = (code: number): number =>
  code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;

/**
 * Bytes of text per encoded word: 36 bytes are 48 base64 characters, so a word is 60 characters
 * and a header line holding one stays under 78 (RFC 2047 allows 75 per word).
 */
const WORD_BYTES = 36;

/**
 * `text` as RFC 2047 encoded words (`=?UTF-8?B?…?=`), split between code points — never inside
 * one (RFC 2047 §5) — so they can be folded onto separate lines. Decoders join adjacent encoded
 * words without the space between them.
 */
export function encodedWords(text: string): string[] {
  const words: string[] = [];
  let chunk = '';
  let size = 0;
  for (const ch of text) {
    const n = utf8Length(ch.codePointAt(0) ?? 0);
    if (size + n > WORD_BYTES && chunk !== '') {
      words.push(`=?UTF-8?B?${Buffer.from(chunk, 'utf8').toString('base64')}?=`);
      chunk = '';
      size = 0;
    }
    chunk += ch;
    size += n;
  }
  if (chunk !== '') words.push(`=?UTF-8?B?${Buffer.from(chunk, 'utf8').toString('base64')}?=`);
  return words;
}

/**
 * Whether header text must be encoded: anything outside printable ASCII, and `=?`, which a mail
 * client would otherwise decode as an encoded word someone typed into a title or a name.
 */
export function needsEncoding(text: string): boolean {
  return /[^\x20-\x7e]/.test(text) || text.includes('=?');
}
