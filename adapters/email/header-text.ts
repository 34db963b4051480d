/**
 * C0 and C1 control characters, DEL, the Unicode line and paragraph separators, and the bidi
 * embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), which would make a subject
 * or a name read otherwise than it is.
 */
function isControl(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

/**
 * Text made safe for one header line (subject, display name): every control character — CR and LF
 * above all, which would start a header of the attacker's choosing — becomes a space, runs of
 * whitespace collapse, and overlong text is cut at `maxLength` code points with an ellipsis.
 */
export function headerText(value: string, maxLength = 200): string {
  let out = '';
  for (const ch of value) out += isControl(ch.codePointAt(0) ?? 0) ? ' ' : ch;
  const chars = [...out.replace(/\s+/g, ' ').trim()];
  return chars.length > maxLength ? `${chars.slice(0, maxLength - 1).join('')}…` : chars.join('');
}

/** Text made safe for a plain-text body: line breaks kept (as LF), other control characters dropped. */
export function bodyText(value: string): string {
  let out = '';
  for (const ch of value.replace(/\r\n?/g, '\n')) {
    const code = ch.codePointAt(0) ?? 0;
    out += ch === '\n' || ch === '\t' || !isControl(code) ? ch : '';
  }
  return out;
}

/** A plain `local@domain` address: no spaces, controls, brackets or quotes to smuggle anything in. */
export function isPlainAddress(address: string): boolean {
  if (/[\s<>"(),;:\\[\]]/.test(address)) return false;
  for (const ch of address) if (isControl(ch.codePointAt(0) ?? 0)) return false;
  return /^[^@]+@[^@]+$/.test(address);
}

/**
 * An address object with a sanitized display name. `mailboxWords` (mime-headers.ts) quotes or
 * MIME-encodes the name; keeping name and address apart (never a `"Name" <addr>` string that is
 * parsed again) keeps a name such as `Eve <x@evil.example>` from being read as a second address.
 */
export function mailbox(name: string, address: string): { name: string; address: string } {
  const clean = headerText(name, 100);
  return { name: clean === address ? '' : clean, address };
}
