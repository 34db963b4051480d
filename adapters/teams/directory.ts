import { TeamsInfo, type Activity, type TurnContext } from 'botbuilder';
import type { Directory } from '../../src/domain/targets.js';
import type { Logger } from '../../src/logger.js';
import { activityTenant } from './tenant.js';

/** Guests' UPNs (`a_b.example#EXT#@tenant…`) and other non-addresses are not linked by email. */
const EMAIL = /^[^\s@#<>]+@[^\s@#<>]+\.[^\s@#<>]+$/;

const address = (value: string | undefined): string | undefined =>
  typeof value === 'string' && EMAIL.test(value) ? value : undefined;

/**
 * The address the member lookup vouches for, the link to a person known from Slack or email.
 * A profile's email field is whatever the user's tenant wrote there, and an admin of any tenant
 * can write any address: it is believed only from the configured tenant (`TEAMS_TENANT_ID`), the
 * organisation Herald serves. An account whose home tenant is another one (a user of another
 * organisation in a chat of ours) gives none. Without `TEAMS_TENANT_ID` no tenant is trusted, and
 * only the user principal name counts: Entra ID lets a tenant give its users principal names only
 * in domains it has proven it owns.
 */
export function vouchedAddress(
  member: { email?: string; userPrincipalName?: string; tenantId?: string },
  activity: Partial<Activity>,
  trustedTenant: string | null,
): string | null {
  if (trustedTenant === null) return address(member.userPrincipalName) ?? null;
  const home = (member.tenantId ?? activityTenant(activity) ?? '').toLowerCase();
  if (home !== trustedTenant) return null;
  return address(member.email) ?? address(member.userPrincipalName) ?? null;
}

/** What the member lookup says of a Teams user, with only the address the tenant rule allows. */
export interface TeamsMember {
  aadId: string | null;
  name: string | undefined;
  email: string | null;
}

/** Looks a member of this turn's conversation up (by Teams user id or Entra ID object id). */
export async function lookupMember(
  turn: TurnContext,
  userId: string,
  trustedTenant: string | null,
): Promise<TeamsMember> {
  const member = await TeamsInfo.getMember(turn, userId);
  return {
    aadId: member.aadObjectId ?? null,
    name: member.name,
    email: vouchedAddress(member, turn.activity, trustedTenant),
  };
}

/**
 * Teams users Herald has not met, for the core when a message mentions one: the member lookup
 * through the turn's connector, under the same tenant rule for addresses as the sender's.
 */
export function teamsDirectory(
  turn: TurnContext,
  logger: Logger,
  trustedTenant: string | null,
): Directory {
  return {
    async profile(platform, userId) {
      if (platform !== 'teams') return null;
      try {
        const member = await lookupMember(turn, userId, trustedTenant);
        if (!member.aadId) return null;
        return {
          platform,
          aadId: member.aadId,
          displayName: member.name ?? 'Teams user',
          email: member.email,
        };
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'teams: member lookup failed');
        return null;
      }
    },
  };
}
