import type { DeliveryJob } from '../../src/delivery/ports.js';
import { notificationParts, notificationText, viewLinkBlock } from './views/message.js';
import { RecentlyUsed } from '../../src/recently-used.js';

/** One event's message, serialized once: everything but the channel and the reader's link. */
interface Rendered {
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
 * keyed by the event's incident, kind and time too, so a reused id can never show another text.
 */
export class DirectMessageBodies {
  private readonly cache: RecentlyUsed<string, Rendered>;

  constructor(maxEvents = 64) {
    this.cache = new RecentlyUsed(maxEvents);
  }

  /** The `chat.postMessage` arguments for `job`, to `channel`, with `viewUrl` when there is one. */
  of(job: DeliveryJob, channel: string, viewUrl: string | null): string {
    const r = this.rendered(job.event);
    const link = viewUrl ? JSON.stringify(viewLinkBlock(viewUrl)) : '';
    const blocks = [r.before, link, r.after].filter(Boolean).join(',');
    return `{"channel":${JSON.stringify(channel)}${r.head}${blocks}${TAIL}`;
  }

  private rendered(event: DeliveryJob['event']): Rendered {
    const key = `${event.id}:${event.incidentId}:${event.kind}:${event.createdAt}`;
    return this.cache.get(key, () => {
      const { before, after } = notificationParts(event.payload);
      const text = notificationText(event.payload);
      return {
        head: `,"text":${JSON.stringify(text)},"mrkdwn":false,"blocks":[`,
        before: JSON.stringify(before).slice(1, -1),
        after: JSON.stringify(after).slice(1, -1),
      };
    });
  }
}
