// Its own module: the package index would load teams-ai's whole AI stack beside it.
import { TeamsAdapter } from '@microsoft/teams-ai/lib/TeamsAdapter.js';
import type { Activity, InvokeResponse, TurnContext } from 'botbuilder';
import type { Config } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import { withoutSdkRetries } from './without-sdk-retries.js';

type TeamsConfig = NonNullable<Config['teams']>;

/**
 * Where the Bot Framework's token services are. Unset, the SDK uses the public cloud's; the tests
 * give a loopback token issuer so that real signed tokens go through the SDK's real checks.
 */
export interface BotFrameworkEndpoints {
  /** OpenID metadata of the channel's token issuer: the keys inbound tokens are checked with. */
  openIdMetadataUrl: string;
  /** The `iss` inbound tokens must carry. */
  tokenIssuer: string;
  /** Where Herald gets its own tokens for outbound calls. */
  loginUrl: string;
}

/**
 * teams-ai's adapter, with the one step Herald's route needs in the open: authenticate an
 * activity and run a turn on it, throwing what authentication throws (`process` would write it
 * into the response).
 */
export class HeraldTeamsAdapter extends TeamsAdapter {
  /** Authenticates `authorization` for `activity`, runs `logic`, returns an invoke's answer. */
  serve(
    authorization: string,
    activity: Activity,
    logic: (turn: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    return this.processActivity(authorization, activity, logic);
  }
}

/** The SDK takes all of its endpoints or none: once one is given it uses no default. */
const sdkEndpoints = (e: BotFrameworkEndpoints) => ({
  ToBotFromChannelOpenIdMetadataUrl: e.openIdMetadataUrl,
  ToBotFromEmulatorOpenIdMetadataUrl: e.openIdMetadataUrl,
  ToBotFromChannelTokenIssuer: e.tokenIssuer,
  ToChannelFromBotLoginUrl: e.loginUrl,
  ToChannelFromBotOAuthScope: e.tokenIssuer,
  OAuthUrl: e.loginUrl,
  ValidateAuthority: false,
});

/**
 * The Bot Framework adapter. With an app id and password, inbound activities must carry a valid
 * Bot Framework token and outbound calls fetch one; with an empty app id (only when
 * `TEAMS_ALLOW_UNAUTHENTICATED=true`, refused in production by the config) both are off. With
 * credentials, a tenant id makes it a single-tenant bot, the kind Azure creates today: its tokens
 * come from that tenant. Which tenants' activities are served is Herald's own check, in every mode.
 */
export function createTeamsAdapter(
  teams: TeamsConfig,
  logger: Logger,
  endpoints?: BotFrameworkEndpoints,
): HeraldTeamsAdapter {
  const appId = teams.appId ?? '';
  // Without credentials there is no token to get from a tenant (the SDK refuses the combination).
  const tenantId = appId ? teams.tenantId : null;
  const adapter = new HeraldTeamsAdapter({
    MicrosoftAppId: appId,
    MicrosoftAppPassword: teams.appPassword ?? '',
    MicrosoftAppType: tenantId ? 'SingleTenant' : 'MultiTenant',
    ...(tenantId ? { MicrosoftAppTenantId: tenantId } : {}),
    ...(endpoints ? sdkEndpoints(endpoints) : {}),
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
