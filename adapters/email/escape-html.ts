import { cleanText } from '../../src/text/inert-text.js';

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML element content and quoted attribute values. Control characters and bidi
 * overrides are dropped first: what a page or mail shows is the text as it is (PRODUCT §3).
 */
export function escapeHtml(value: string): string {
  return cleanText(value).replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);
}

/** Escaped text whose line breaks survive as `<br>` (mail clients ignore `white-space: pre-wrap`). */
export function escapeMultiline(value: string): string {
  return escapeHtml(value).replace(/\r\n?|\n/g, '<br>\n');
}
