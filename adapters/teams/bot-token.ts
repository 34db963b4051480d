import type { CloudAdapter, ConversationReference } from 'botbuilder';

/**
 * The part of botframework-connector's `AppCredentials` Herald uses: the app id it signs for, and
 * its token, which the SDK caches (per app and scope, for every instance) until five minutes
 * before it expires, and fetches through MSAL as the adapter was configured (multi- or
 * single-tenant, the login endpoint, authority validation).
 */
interface AppCredentialsLike {
  appId?: string | null;
  getToken(forceRefresh?: boolean): Promise<string>;
}

/** The app id botbuilder never signs for (`AuthenticationConstants.AnonymousSkillAppId`). */
const ANONYMOUS_SKILL = 'AnonymousSkill';

/**
 * The bearer token of the bot's outbound calls, from the adapter's own credentials: the ones its
 * connector factory gives a proactive turn, taken once from such a turn (no message is sent in
 * it). Whether a token is sent at all is botbuilder's rule: not when authentication is off (the
 * factory's credentials then have no app id), so the header is absent exactly as before.
 */
export class BotToken {
  private credentials: Promise<AppCredentialsLike | null> | null = null;
  private refresh = false;

  constructor(
    private readonly adapter: CloudAdapter,
    private readonly appId: string,
  ) {}

  /** The token for a call to `reference`'s connector; null when botbuilder would send none. */
  async token(reference: Partial<ConversationReference>): Promise<string | null> {
    this.credentials ??= this.credentialsFor(reference).catch((err: unknown) => {
      this.credentials = null;
      throw err;
    });
    const credentials = await this.credentials;
    if (!credentials) return null;
    const force = this.refresh;
    this.refresh = false;
    return credentials.getToken(force);
  }

  /**
   * The connector refused the token (401): the next call fetches a new one rather than the
   * cached one, once. The failed send itself is retried by the engine, like any transient failure.
   */
  refused(): void {
    this.refresh = true;
  }

  private async credentialsFor(
    reference: Partial<ConversationReference>,
  ): Promise<AppCredentialsLike | null> {
    let found: unknown;
    await this.adapter.continueConversationAsync(this.appId, reference, (turn) => {
      const client: unknown = turn.turnState.get(turn.adapter.ConnectorClientKey);
      found = (client as { credentials?: unknown } | undefined)?.credentials;
      return Promise.resolve();
    });
    const credentials = found as AppCredentialsLike | undefined;
    if (typeof credentials?.getToken !== 'function') {
      throw new Error('Teams: the adapter gave a proactive turn no connector credentials');
    }
    const signs = Boolean(credentials.appId) && credentials.appId !== ANONYMOUS_SKILL;
    return signs ? credentials : null;
  }
}
