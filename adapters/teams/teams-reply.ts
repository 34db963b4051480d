import type { Activity } from 'botbuilder';
import type { Reply } from '../../src/commands/execute.js';
import type { Channel } from '../../src/domain/types.js';
import { isHeraldError } from '../../src/errors.js';
import { attachment, type AdaptiveCard } from './card.js';
import { escapeMarkdown, markdownLines } from './escape.js';
import { preferencesCard } from './preferences-card.js';

/** What the bot answers in the personal chat. `text` is plain: escaping happens on the way out. */
export type TeamsReply = { kind: 'text'; text: string } | { kind: 'card'; card: AdaptiveCard };

export const textReply = (text: string): TeamsReply => ({ kind: 'text', text });

/** Slack opens a form for these; Teams says which one, and how to do it here instead. */
const FORM_HINT: Record<Extract<Reply, { kind: 'form' }>['form'], string> = {
  declare:
    'Declaring without a title opens a form in Slack (/incident new). Here, give the title: incident new <title>',
  subscribe:
    'Without targets this opens the subscribe form in Slack (/incident subscribe <id>). Here, name them: incident subscribe <id> <emails or team:name>',
  update:
    'Without text this opens the update form in Slack (/incident update <id>). Here: incident update <id> <text> (internal) or incident notify <id> <text> (tells stakeholders)',
  'stakeholder-teams':
    'Stakeholder teams are managed in a form in Slack (/stakeholders teams). Here: stakeholders team list | show | create | add | remove',
  rules:
    'Auto-subscription rules are managed in a form in Slack (/stakeholders rules). Here: stakeholders rule list | add | remove',
  preferences: '',
};

/** A command's reply as Teams shows it: text as is, the preferences form as the card, other forms as a pointer to the Slack form. */
export function fromCommandReply(reply: Reply, enabled: ReadonlySet<Channel>): TeamsReply {
  if (reply.kind === 'text') return textReply(reply.text);
  if (reply.form === 'preferences') {
    return { kind: 'card', card: preferencesCard(reply.preferences, enabled) };
  }
  return textReply(FORM_HINT[reply.form]);
}

/**
 * A domain error as a friendly answer: its message already says what was wrong (and for a
 * stakeholder, "not found" for an incident they do not follow, exactly as for one that never
 * existed). Anything else is not the user's doing: null, for the caller to log.
 */
export function errorReply(err: unknown): TeamsReply | null {
  if (!isHeraldError(err)) return null;
  switch (err.code) {
    case 'USAGE':
      return textReply(`${err.message}\nType help for what I understand.`);
    case 'FORBIDDEN':
      return textReply(`Sorry: ${err.message.charAt(0).toLowerCase()}${err.message.slice(1)}`);
    default:
      return textReply(err.message);
  }
}

/** The activity for a reply; every character of text is escaped for Teams' markdown. */
export function replyActivity(reply: TeamsReply): Partial<Activity> {
  if (reply.kind === 'card') return { type: 'message', attachments: [attachment(reply.card)] };
  return { type: 'message', text: markdownLines(escapeMarkdown(reply.text)) };
}
