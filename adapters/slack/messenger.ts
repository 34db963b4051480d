import {
  DeliveryError,
  type DeliveryJob,
  type Messenger,
  type RateLimit,
} from '../../src/delivery/ports.js';
import { messageLink, type IncidentLinker } from '../../src/stakeholder-link.js';
import { DirectMessageBodies } from './dm-body.js';
import type { SlackPostMessage } from './post-message.js';
import { platformError, rateLimited } from './send-errors.js';

interface SlackError {
  code?: string;
  retryAfter?: number;
  statusCode?: number;
  data?: { error?: string };
  message?: string;
}

/**
 * Turns a `@slack/web-api` error into the engine's terms: the same table as the DM client's
 * (`send-errors.ts`), for any Web API call that stands for a delivery.
 */
export function classifySlackError(err: unknown): DeliveryError {
  const e = (err ?? {}) as SlackError;
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return rateLimited(e.retryAfter ?? 1);
    case 'slack_webapi_platform_error':
      return platformError(e.data?.error ?? 'unknown_error');
    case 'slack_webapi_http_error':
      return new DeliveryError('transient', `slack: HTTP ${e.statusCode ?? '?'}`);
    default:
      return new DeliveryError('transient', `slack: ${e.message ?? String(err)}`);
  }
}

/** What the messenger needs of the DM client: one `chat.postMessage`, its arguments as JSON. */
export type PostMessage = Pick<SlackPostMessage, 'post'>;

/**
 * Sends stakeholder DMs: `chat.postMessage` with the person's user id as the channel, which posts
 * into the app's DM with them — no `conversations.open` per person (a Tier 3 call, about 50 a
 * minute, that would pace a first fan-out to thousands at that rate), and no DM channel to
 * remember in one process's memory. Block Kit with a plain-text fallback, rendered once per event
 * (`dm-body.ts`), sent by the lean JSON client (`post-message.ts`), which never retries on its
 * own: the engine owns retries.
 */
export class SlackDirectMessenger implements Messenger {
  readonly channel = 'slack' as const;
  readonly limits: RateLimit[];
  private readonly incidentLink: IncidentLinker | null;
  private readonly bodies = new DirectMessageBodies();

  /**
   * `client` is the DM client. A `WebClient` is also taken, for its token, API URL and time-out
   * (when it has one): the messages still go through a DM client made from them.
   */
  constructor(
    private readonly client: PostMessage,
    opts: { workspacePerSecond?: number; incidentLink?: IncidentLinker } = {},
  ) {
    this.incidentLink = opts.incidentLink ?? null;
    const workspace = opts.workspacePerSecond ?? 20;
    this.limits = [
      // Slack allows about one message per second per channel, with short bursts.
      { name: 'dm', ratePerSecond: 1, burst: 3, key: (job) => job.person.slackUserId ?? '' },
      { name: 'workspace', ratePerSecond: workspace, burst: workspace, key: () => '' },
    ];
  }

  async send(job: DeliveryJob, wentOut?: () => void): Promise<void> {
    const userId = job.person.slackUserId;
    if (!userId) throw new DeliveryError('permanent', 'no Slack identity', { unreachable: true });
    // The fallback text is user text, sent with `mrkdwn: false`: shown as typed, never formatted.
    await this.client.post(
      this.bodies.of(job, userId, messageLink(this.incidentLink, job)),
      wentOut,
    );
  }
}
