import { MENTION, type CommandInput, type Mention } from '../../src/commands/types.js';

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

/** Slack escapes exactly these three in message and command text; `&amp;` last. */
const decodeEntities = (text: string): string =>
  text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** One `<…>` sequence of Slack's as plain words, or as a mention of a user. */
function decodeMarkup(inner: string, mentions: Mention[]): string {
  const [target = '', rawLabel] = inner.split('|', 2);
  const label = rawLabel === undefined ? undefined : decodeEntities(rawLabel);
  if (target.startsWith('@')) {
    const userId = target.slice(1);
    if (!SLACK_USER_ID.test(userId)) return `@${label ?? userId}`;
    mentions.push({ platform: 'slack', userId, label: `@${label ?? userId}` });
    return MENTION;
  }
  if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
  // `<!here>`, `<!channel>`, `<!subteam^S123|@oncall>`: words, never a notification.
  if (target.startsWith('!')) {
    return `@${(label ?? target.slice(1)).replace(/^@/, '').replace(/^subteam\^\w+$/, 'group')}`;
  }
  // An address Slack linked as it was typed; the link itself is what was written.
  if (target.startsWith('mailto:')) return decodeEntities(target.slice('mailto:'.length));
  return label ?? decodeEntities(target);
}

/**
 * Slack's text conventions as the grammar's neutral input. With escaping on, a `<` the user typed
 * arrives as `&lt;`, so every raw `<…>` is Slack's own: a user mention becomes a mention of that
 * Slack user, an email link the address, a channel, link or `@here` the words it shows. Entities
 * are decoded; what is left is what the user typed.
 */
export function fromSlackText(text: string): CommandInput {
  const mentions: Mention[] = [];
  const decoded = text
    .replaceAll(MENTION, '')
    .replace(/<([^<>]*)>|[^<]+|</g, (all, inner: string | undefined) => {
      if (inner === undefined) return decodeEntities(all);
      const words = decodeMarkup(inner, mentions);
      // A label is text too: only a mention itself may put the mention character in.
      return words === MENTION ? words : words.replaceAll(MENTION, '');
    });
  return { text: decoded, mentions };
}
