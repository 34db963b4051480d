import type { DeliveryJob } from '../../src/delivery/ports.js';
import { notificationParts, notificationText, viewLinkBlock } from './views/message.js';

/** One event's message, serialized once: everything but the channel and the reader's link. */
interface Rendered {
  incidentId: number;
  kind: string;
  createdAt: number;
  /** `,"text":…,"mrkdwn":false,"blocks":[`: what follows the channel, up to the blocks. */
  head: string;
  /** The blocks before and after the link, each serialized without brackets ('' for none). */
  before: string;
  after: string;
}

const TAIL = '],"unfurl_links":false,"unfurl_media":false}';

/**
 * The JSON body of each stakeholder DM. An event goes to many people with the same blocks but for
 * the reader's own "View incident" link, so the blocks are rendered and serialized once per event
 * (a few recent events kept, oldest dropped first) and each person's body is the channel and the
 * link spliced in: the same arguments as `notificationText` and `notificationBlocks` give, at a
 * fraction of the cost. An event's payload never changes once written; the cached entry is still
 * checked against the event's incident, kind and time, so a reused id can never show another text.
 */
export class DirectMessageBodies {
  private readonly cache = new Map<number, Rendered>();

  constructor(private readonly maxEvents = 64) {}

  /** The `chat.postMessage` arguments for `job`, to `channel`, with `viewUrl` when there is one. */
  of(job: DeliveryJob, channel: string, viewUrl: string | null): string {
    const r = this.rendered(job.event);
    const link = viewUrl ? JSON.stringify(viewLinkBlock(viewUrl)) : '';
    const blocks = [r.before, link, r.after].filter(Boolean).join(',');
    return `{"channel":${JSON.stringify(channel)}${r.head}${blocks}${TAIL}`;
  }

  private rendered(event: DeliveryJob['event']): Rendered {
    const hit = this.cache.get(event.id);
    if (
      hit &&
      hit.incidentId === event.incidentId &&
      hit.kind === event.kind &&
      hit.createdAt === event.createdAt
    ) {
      // Most recently used last: the first key is the one to drop.
      this.cache.delete(event.id);
      this.cache.set(event.id, hit);
      return hit;
    }
    const { before, after } = notificationParts(event.payload);
    const text = notificationText(event.payload);
    const r: Rendered = {
      incidentId: event.incidentId,
      kind: event.kind,
      createdAt: event.createdAt,
      head: `,"text":${JSON.stringify(text)},"mrkdwn":false,"blocks":[`,
      before: JSON.stringify(before).slice(1, -1),
      after: JSON.stringify(after).slice(1, -1),
    };
    this.cache.delete(event.id);
    this.cache.set(event.id, r);
    if (this.cache.size > this.maxEvents) this.cache.delete(this.cache.keys().next().value!);
    return r;
  }
}
