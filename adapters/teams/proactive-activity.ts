import { randomUUID } from 'node:crypto';
import type { ChannelAccount, ConversationAccount } from 'botbuilder';
import type { DeliveryJob } from '../../src/delivery/ports.js';
import { messageLink, type IncidentLinker } from '../../src/stakeholder-link.js';
import { parseReference, type StoredReference } from './conversation-ref.js';
import { notificationMessage } from './notification-message.js';
import { RecentlyUsed } from '../../src/recently-used.js';

/** Events rendered at once: a fan-out sends one event to many people, then the next. */
const EVENTS_KEPT = 64;
/** People whose stored reference stays parsed: one per 1:1 conversation being written to. */
const PEOPLE_KEPT = 4096;

/** Of a `ChannelAccount` / `ConversationAccount`, what the connector schema knows (and the SDK sent). */
const ACCOUNT_FIELDS = ['id', 'name', 'aadObjectId', 'role'] as const;
const CONVERSATION_FIELDS = [
  'isGroup',
  'conversationType',
  'id',
  'name',
  'aadObjectId',
  'role',
  'tenantId',
] as const;

const pick = <T extends object>(
  from: T | undefined,
  keys: readonly string[],
): Partial<T> | undefined => {
  if (!from) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const value = (from as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out as Partial<T>;
};

/** One person's side of every message to them, from their stored reference. */
interface Addressed {
  reference: StoredReference;
  /** `{"type":"message",…,"locale":…` without its closing brace. */
  head: string;
}

/** One event's side: `"text":…,"summary":…,"attachments":[…]`, split where the link goes. */
interface Rendered {
  before: string;
  /** After the personal link; null when the message carries none (a reminder, no linker). */
  after: string | null;
}

/**
 * The JSON of a proactive notification, as `turn.sendActivity(notificationMessage(…))` made it in a
 * continued conversation: `type` message; `serviceUrl`, `channelId`, `conversation` and `locale`
 * from the stored reference, `from` its bot and `recipient` its user (the schema's fields of each);
 * the message's `text`, `summary` and Adaptive Card. Not the SDK's `replyToId`, which named the
 * random id of its own continuation event: a proactive message answers nothing.
 *
 * The card is rendered once per event (most events go to many people) and only the reader's
 * personal link is put in per person; each person's part is made once per stored reference.
 */
export class ProactiveActivities {
  private readonly events = new RecentlyUsed<string, Rendered>(EVENTS_KEPT);
  private readonly people = new RecentlyUsed<string, Addressed | null>(PEOPLE_KEPT);
  /** Stands in for the personal link while an event is rendered: no user text can contain it. */
  private readonly slot = `herald-link-${randomUUID()}`;

  constructor(private readonly incidentLink: IncidentLinker | null) {}

  /** The stored reference of a job's person, parsed once; null when there is none usable. */
  reference(job: DeliveryJob): StoredReference | null {
    return this.addressed(job)?.reference ?? null;
  }

  /** The activity for `job` as JSON; null without a usable reference. */
  body(job: DeliveryJob): { reference: StoredReference; body: string } | null {
    const addressed = this.addressed(job);
    if (!addressed) return null;
    const rendered = this.rendered(job);
    const link = rendered.after === null ? '' : JSON.stringify(messageLink(this.incidentLink, job));
    const body = `${addressed.head},${rendered.before}${link}${rendered.after ?? ''}}`;
    return { reference: addressed.reference, body };
  }

  private addressed(job: DeliveryJob): Addressed | null {
    const json = job.person.teamsConversationRef;
    if (!json) return null;
    return this.people.get(json, () => {
      const reference = parseReference(json);
      if (!reference) return null;
      const head = JSON.stringify({
        type: 'message',
        serviceUrl: reference.serviceUrl,
        channelId: reference.channelId,
        from: pick<ChannelAccount>(reference.bot, ACCOUNT_FIELDS),
        conversation: pick<ConversationAccount>(reference.conversation, CONVERSATION_FIELDS),
        recipient: pick<ChannelAccount>(reference.user, ACCOUNT_FIELDS),
        locale: reference.locale,
      });
      return { reference, head: head.slice(0, -1) };
    });
  }

  /**
   * The event's part. Keyed by the event's id and creation time (an event's payload never
   * changes once written), so a reused id from another database is not mistaken for it.
   */
  private rendered(job: DeliveryJob): Rendered {
    const { event } = job;
    return this.events.get(`${event.id}:${event.createdAt}`, () => {
      const linked = messageLink(this.incidentLink, job) !== null;
      const { text, summary, attachments } = notificationMessage(
        event.payload,
        linked ? this.slot : null,
      );
      const json = JSON.stringify({ text, summary, attachments }).slice(1, -1);
      if (!linked) return { before: json, after: null };
      const quoted = JSON.stringify(this.slot);
      const at = json.lastIndexOf(quoted);
      return { before: json.slice(0, at), after: json.slice(at + quoted.length) };
    });
  }
}
