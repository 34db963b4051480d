// Its own module: the package index would load teams-ai's whole AI stack beside it.
import { TeamsAdapter } from '@microsoft/teams-ai/lib/TeamsAdapter.js';
import type { Config } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import { withoutSdkRetries } from './without-sdk-retries.js';

type TeamsConfig = NonNullable<Config['teams']>;

/**
 * The Bot Framework adapter. With an app id and password, inbound activities must carry a valid
 * Bot Framework token and outbound calls fetch one; with an empty app id (only when
 * `TEAMS_ALLOW_UNAUTHENTICATED=true`, refused in production by the config) both are off. A tenant
 * id makes it a single-tenant bot, the kind Azure creates today.
 */
export function createTeamsAdapter(teams: TeamsConfig, logger: Logger): TeamsAdapter {
  const appId = teams.appId ?? '';
  const adapter = new TeamsAdapter({
    MicrosoftAppId: appId,
    MicrosoftAppPassword: teams.appPassword ?? '',
    MicrosoftAppType: teams.tenantId ? 'SingleTenant' : 'MultiTenant',
    ...(teams.tenantId ? { MicrosoftAppTenantId: teams.tenantId } : {}),
  });
  adapter.use(withoutSdkRetries(logger));
  adapter.onTurnError = async (turn, err) => {
    logger.error({ err, activityType: turn.activity.type }, 'teams: turn failed');
    if (turn.activity.type !== 'message') return;
    try {
      await turn.sendActivity('Sorry, something went wrong on my side. Please try again later.');
    } catch {
      // The reply is a courtesy; the error is already logged.
    }
  };
  return adapter;
}
