import type { WebClient } from '@slack/web-api';
import {
  DeliveryError,
  type DeliveryJob,
  type Messenger,
  type RateLimit,
} from '../../src/delivery/ports.js';
import { messageLink, type IncidentLinker } from '../../src/stakeholder-link.js';
import { notificationBlocks, notificationText } from './views/message.js';

/** Slack errors that mean this person cannot be reached on Slack, however often we try. */
const UNREACHABLE = new Set([
  'user_not_found',
  'user_disabled',
  'cannot_dm_bot',
  'user_not_visible',
  'channel_not_found',
  'is_archived',
  'messages_tab_disabled',
  'restricted_action',
]);
/**
 * Errors no retry will fix, but that say nothing about the person: the app's own setup.
 * (`account_inactive` is the bot token's owner being deactivated, not the recipient.)
 */
const PERMANENT = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'account_inactive',
  'missing_scope',
  'invalid_blocks',
  'msg_too_long',
  'no_text',
  'invalid_arguments',
]);

interface SlackError {
  code?: string;
  retryAfter?: number;
  statusCode?: number;
  data?: { error?: string };
  message?: string;
}

/** Turns a `@slack/web-api` error into the engine's terms. */
export function classifySlackError(err: unknown): DeliveryError {
  const e = (err ?? {}) as SlackError;
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return new DeliveryError('transient', 'rate limited by Slack', {
        retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000,
      });
    case 'slack_webapi_platform_error': {
      const code = e.data?.error ?? 'unknown_error';
      if (UNREACHABLE.has(code))
        return new DeliveryError('permanent', `slack: ${code}`, { unreachable: true });
      if (PERMANENT.has(code)) return new DeliveryError('permanent', `slack: ${code}`);
      return new DeliveryError('transient', `slack: ${code}`);
    }
    case 'slack_webapi_http_error':
      return new DeliveryError('transient', `slack: HTTP ${e.statusCode ?? '?'}`);
    default:
      return new DeliveryError('transient', `slack: ${e.message ?? String(err)}`);
  }
}

/**
 * Sends stakeholder DMs: `chat.postMessage` with the person's user id as the channel, which posts
 * into the app's DM with them — no `conversations.open` per person (a Tier 3 call, about 50 a
 * minute, that would pace a first fan-out to thousands at that rate), and no DM channel to
 * remember in one process's memory. Block Kit with a plain-text fallback. The client must not
 * retry on its own: the engine owns retries.
 */
export class SlackDirectMessenger implements Messenger {
  readonly channel = 'slack' as const;
  readonly limits: RateLimit[];
  private readonly incidentLink: IncidentLinker | null;

  constructor(
    private readonly client: WebClient,
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

  async send(job: DeliveryJob): Promise<void> {
    const userId = job.person.slackUserId;
    if (!userId) throw new DeliveryError('permanent', 'no Slack identity', { unreachable: true });
    try {
      await this.client.chat.postMessage({
        channel: userId,
        text: notificationText(job.event.payload),
        // The fallback text is user text: shown as typed, never as formatting.
        mrkdwn: false,
        blocks: notificationBlocks(job.event.payload, messageLink(this.incidentLink, job)) as never,
        unfurl_links: false,
        unfurl_media: false,
      });
    } catch (err) {
      throw classifySlackError(err);
    }
  }
}
