import type { App } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';

/**
 * `user_change`: a member made a guest, a guest made a member, an account deactivated — applied to
 * the person Herald knows as soon as Slack says so, instead of at the next confirmation.
 */
export function registerUserChange(app: App, deps: SlackDeps): void {
  app.event('user_change', async ({ event, body }) => {
    try {
      await deps.identity.observe(event.user, body.event_time);
    } catch (err) {
      deps.logger.warn({ err }, 'slack: could not apply a user_change event');
    }
  });
}
