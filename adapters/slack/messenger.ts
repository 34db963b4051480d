import type { WebClient } from '@slack/web-api';
import {
  DeliveryError,
  type DeliveryJob,
  type Messenger,
  type RateLimit,
} from '../../src/delivery/ports.js';
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
 * Sends stakeholder DMs: `conversations.open` (cached per user) then `chat.postMessage` with Block
 * Kit and a plain-text fallback. The client must not retry on its own: the engine owns retries.
 */
export class SlackDirectMessenger implements Messenger {
  readonly channel = 'slack' as const;
  readonly limits: RateLimit[];
  private readonly dmChannels = new Map<string, string>();

  constructor(
    private readonly client: WebClient,
    opts: { workspacePerSecond?: number } = {},
  ) {
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
      const channel = await this.dmChannel(userId);
      await this.client.chat.postMessage({
        channel,
        text: notificationText(job.event.payload),
        blocks: notificationBlocks(job.event.payload) as never,
        unfurl_links: false,
        unfurl_media: false,
      });
    } catch (err) {
      if (err instanceof DeliveryError) throw err;
      const classified = classifySlackError(err);
      if (classified.options.unreachable) this.dmChannels.delete(userId);
      throw classified;
    }
  }

  private async dmChannel(userId: string): Promise<string> {
    const cached = this.dmChannels.get(userId);
    if (cached) return cached;
    const res = await this.client.conversations.open({ users: userId });
    const id = res.channel?.id;
    if (!id) throw new DeliveryError('transient', 'slack: conversations.open returned no channel');
    this.dmChannels.set(userId, id);
    return id;
  }
}
