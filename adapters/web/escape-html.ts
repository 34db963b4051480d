import { cleanText } from '../../src/text/inert-text.js';

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for element content and quoted attribute values. Control characters and bidi
 * overrides go first: a page shows text as it is (PRODUCT §3). Every value a page interpolates
 * passes through here — user text, ids, tokens alike.
 */
export const escapeHtml = (value: string | number): string =>
  cleanText(String(value)).replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);
