import type { Activity, Mention as MentionEntity } from 'botbuilder';
import { MENTION, type CommandInput, type Mention } from '../../src/commands/types.js';

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

/** Teams sends message text as a little HTML: entities decoded, numeric ones too. */
const decodeEntities = (text: string): string =>
  text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) {
      return String.fromCodePoint(Number.parseInt(name.slice(2), 16) || 0xfffd);
    }
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)) || 0xfffd);
    return ENTITIES[name.toLowerCase()] ?? all;
  });

/** Person mentions other than the bot's own, as the activity's entities describe them. */
function mentionEntities(activity: Partial<Activity>): MentionEntity[] {
  return (activity.entities ?? []).filter(
    (e): e is MentionEntity =>
      e.type === 'mention' &&
      typeof (e as MentionEntity).mentioned?.id === 'string' &&
      (e as MentionEntity).mentioned.id !== activity.recipient?.id,
  );
}

/**
 * The text without the bot's own `<at>` (its first one, as botbuilder's `removeRecipientMention`
 * does), leaving the activity as it is and reading one without a recipient or text as it stands.
 */
function withoutBotMention(activity: Partial<Activity>): string {
  const text = activity.text ?? '';
  const bot = activity.recipient?.id;
  const own = (activity.entities ?? []).find(
    (e): e is MentionEntity =>
      e.type === 'mention' && bot !== undefined && (e as MentionEntity).mentioned?.id === bot,
  );
  return own && typeof own.text === 'string' ? text.replace(own.text, '').trim() : text;
}

/**
 * A Teams message as the grammar's neutral input. The bot's own `<at>` is dropped; each other
 * `<at>Name</at>` that a mention entity describes becomes a mention of that Teams user — by Entra
 * ID object id when the entity carries it, else by Teams user id, for the directory to look up.
 * Any other markup becomes the words it shows.
 */
export function fromTeamsActivity(activity: Partial<Activity>): CommandInput {
  const raw = withoutBotMention(activity);
  const entities = mentionEntities(activity);
  const used = new Set<MentionEntity>();
  const mentions: Mention[] = [];
  // A NUL marks each mention while the markup is stripped and entities decoded, so an entity
  // that decodes to the mention character cannot pose as one.
  // eslint-disable-next-line no-control-regex -- the NUL is the marker being kept out.
  const marked = raw.replace(/[\u0000\uFFFC]/g, '').replace(/<at>[\s\S]*?<\/at>/gi, (tag) => {
    const entity = entities.find((e) => !used.has(e) && e.text === tag);
    const words = tag.replace(/<[^>]*>/g, '');
    if (!entity) return words;
    used.add(entity);
    const { mentioned } = entity;
    const aadId = (mentioned as { aadObjectId?: unknown }).aadObjectId;
    mentions.push({
      platform: 'teams',
      userId: typeof aadId === 'string' && aadId !== '' ? aadId : mentioned.id,
      label: `@${decodeEntities(mentioned.name || words)}`,
    });
    return '\u0000';
  });
  const text = decodeEntities(marked.replace(/<[^>]*>/g, ''))
    .replaceAll(MENTION, '')
    .replaceAll('\u0000', MENTION);
  return { text, mentions };
}
