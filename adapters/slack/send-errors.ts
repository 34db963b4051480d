import { DeliveryError } from '../../src/delivery/ports.js';

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

/**
 * A Web API answer `{ ok: false, error: code }` for a DM, in the engine's terms: the person is
 * unreachable, the app is misconfigured (permanent), or anything else (transient). One table for
 * the SDK's errors (`classifySlackError`) and the DM client's (`post-message.ts`).
 */
export function platformError(code: string): DeliveryError {
  if (UNREACHABLE.has(code))
    return new DeliveryError('permanent', `slack: ${code}`, { unreachable: true });
  if (PERMANENT.has(code)) return new DeliveryError('permanent', `slack: ${code}`);
  return new DeliveryError('transient', `slack: ${code}`);
}

/** HTTP 429: transient, after the `Retry-After` Slack asked for (whole seconds, at least one). */
export const rateLimited = (retryAfterS: number): DeliveryError =>
  new DeliveryError('transient', 'rate limited by Slack', {
    retryAfterMs: Math.max(1, retryAfterS) * 1000,
  });
