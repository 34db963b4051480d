const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);
}

/** Escaped text whose line breaks survive as `<br>` (mail clients ignore `white-space: pre-wrap`). */
export function escapeMultiline(value: string): string {
  return escapeHtml(value).replace(/\r\n?|\n/g, '<br>\n');
}
