import type { App } from '@slack/bolt';
import { listIncidents } from '../../../src/actions/view-incidents.js';
import type { SlackDeps } from '../deps.js';
import { homeView } from '../views/home.js';

/** App Home: published whenever the user opens it, so it is never stale. */
export function registerHome(app: App, deps: SlackDeps): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    try {
      const actor = await deps.identity.actor(event.user);
      const list = await listIncidents(deps.ctx, actor, { status: 'open' });
      await client.views.publish({
        user_id: event.user,
        view: homeView(list.incidents, list.scope === 'all'),
      });
    } catch (err) {
      deps.logger.warn({ err, user: event.user }, 'slack: could not publish App Home');
    }
  });
}
