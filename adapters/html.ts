import type { Response } from 'express';
import { cleanText } from '../src/text/inert-text.js';

/** What the doors that serve HTML (the web pages, email's unsubscribe pages) share. */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML element content and quoted attribute values. Control characters and bidi
 * overrides go first: what a page or mail shows is the text as it is (PRODUCT §3). Every value a
 * page interpolates passes through here — user text, ids, tokens alike.
 */
export const escapeHtml = (value: string | number): string =>
  cleanText(String(value)).replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);

/** Escaped text whose line breaks survive as `<br>` (mail clients ignore `white-space: pre-wrap`). */
export const escapeMultiline = (value: string): string =>
  escapeHtml(value).replace(/\r\n?|\n/g, '<br>\n');

/**
 * Sends a page that is never cached, indexed, framed or sniffed, and whose URL (it carries a token)
 * never reaches another site; `csp` is the page's Content-Security-Policy.
 */
export function sendPage(res: Response, status: number, html: string, csp: string): void {
  res
    .status(status)
    .set({
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'X-Robots-Tag': 'noindex',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Content-Security-Policy': csp,
    })
    .send(html);
}
