/**
 * Slack's own escaping for text in `mrkdwn` and message `text`: with `&`, `<` and `>` escaped,
 * `<!channel>`, `<@U…>` and `<http://…|label>` typed by a user stay inert characters.
 */
export const escapeSlack = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Cuts text to Block Kit's limits without splitting a surrogate pair or an escape sequence. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = [...text].slice(0, max - 1).join('');
  while (cut.length > max - 1) cut = cut.slice(0, -1);
  // Do not leave half of "&amp;" behind.
  cut = cut.replace(/&[a-z]{0,4}$/, '');
  return `${cut}…`;
}

/** A `plain_text` object (never a mention or a link), within `max` characters. */
export const plain = (text: string, max = 3000) => ({
  type: 'plain_text' as const,
  text: clip(text || ' ', max),
  emoji: true,
});

/** A `mrkdwn` object with every piece of user text passed through `escapeSlack` by the caller. */
export const md = (escapedText: string, max = 3000) => ({
  type: 'mrkdwn' as const,
  text: clip(escapedText || ' ', max),
  verbatim: true,
});
