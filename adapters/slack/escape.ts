import { cleanText } from '../../src/text/inert-text.js';

const ZWSP = '\u200B';
/** Where Slack's `<…>` markup starts: a mention, channel or broadcast, or a `scheme:` link. */
const SLACK_TOKEN_START = /<(?=[!@#]|[a-z][a-z0-9+.-]*:)/gi;

/**
 * Slack's own escaping for message `text` and `mrkdwn`: with `&`, `<` and `>` escaped,
 * `<!channel>`, `<@U…>` and `<http://…|label>` typed by a user stay inert characters. Control
 * characters and bidi overrides are dropped first (PRODUCT §3: text is shown as it is).
 */
export const escapeSlack = (text: string): string =>
  cleanText(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Cuts text to Block Kit's limits without splitting a surrogate pair or an escape sequence. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = [...text].slice(0, max - 1).join('');
  while (cut.length > max - 1) cut = cut.slice(0, -1);
  // Do not leave half of "&amp;" behind.
  cut = cut.replace(/&[a-z]{0,4}$/, '');
  return `${cut}…`;
}

/** A `plain_text` object for Herald's own words (labels, buttons), within `max` characters. */
export const plain = (text: string, max = 3000) => ({
  type: 'plain_text' as const,
  text: clip(cleanText(text) || ' ', max),
  emoji: true,
});

/**
 * Text a user typed, or Herald's words around it, as Slack shows it: a `plain_text` object, which
 * Slack never formats (`*bold*`, `` `code` ``, `> quote` stay characters); `:emoji:` codes stay
 * text too. Controls and bidi overrides are dropped, and an invisible zero-width space after `<`
 * keeps `<!here>`, `<@U…>` or `<https://…|label>` from ever reading as Slack's markup. Mrkdwn is for Herald's own
 * words only.
 */
export const literal = (text: string, max = 3000) => ({
  type: 'plain_text' as const,
  text: clip(cleanText(text).replace(SLACK_TOKEN_START, `<${ZWSP}`) || ' ', max),
  emoji: false,
});

/** A `mrkdwn` object with every piece of user text passed through `escapeSlack` by the caller. */
export const md = (escapedText: string, max = 3000) => ({
  type: 'mrkdwn' as const,
  text: clip(escapedText || ' ', max),
  verbatim: true,
});
