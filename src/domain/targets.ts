/** A chat platform whose users Herald can meet: Slack or Microsoft Teams. */
export type Platform = 'slack' | 'teams';

/**
 * Who an action points at, as every door hands it over: a platform user (Slack user id, Teams
 * Entra ID object id), an email address, a stakeholder team by name, or someone Herald already
 * knows by id (forms carry it). Never a platform's markup: the doors decode their own dialect.
 */
export type Target =
  | { kind: 'user'; platform: Platform; userId: string }
  | { kind: 'email'; email: string }
  | { kind: 'team'; name: string }
  | { kind: 'person'; personId: number };

/** What a platform tells Herald about one of its Slack users. */
export interface SlackProfile {
  userId: string;
  displayName: string;
  email: string | null;
  isGuest: boolean;
  isBot: boolean;
  deleted: boolean;
}

/** What Teams tells Herald about one of its users. */
export interface TeamsProfile {
  aadId: string;
  displayName: string;
  email: string | null;
  /** Serialized conversation reference (install); `null` clears it (uninstall); absent: keep. */
  conversationRef?: string | null;
  /** The user's tenant, when the platform said. */
  tenantId?: string | null;
}

export type PlatformProfile =
  ({ platform: 'slack' } & SlackProfile) | ({ platform: 'teams' } & TeamsProfile);

/** The platform's id of the user a profile describes (Slack user id, Entra ID object id). */
export const profileUserId = (p: PlatformProfile): string =>
  p.platform === 'slack' ? p.userId : p.aadId;

/**
 * Looks up platform users Herald has not met yet (a mention of someone new). Provided by the door
 * the request came through, for the length of that request.
 */
export interface Directory {
  /** The platform's profile, or null when the platform does not know the user. */
  profile(platform: Platform, userId: string): Promise<PlatformProfile | null>;
  /**
   * Several users of one platform at once (a command naming fifty people), so a door can look them
   * up in as few calls as its platform allows. The users the platform does not know are left out.
   * Without it, `profile` is asked for each.
   */
  profiles?(
    platform: Platform,
    userIds: readonly string[],
  ): Promise<ReadonlyMap<string, PlatformProfile>>;
}
