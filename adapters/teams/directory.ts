import { TeamsInfo, type TurnContext } from 'botbuilder';
import type { Directory } from '../../src/domain/targets.js';
import type { Logger } from '../../src/logger.js';

/** Guests' UPNs (`a_b.example#EXT#@tenant…`) and other non-addresses are not linked by email. */
const EMAIL = /^[^\s@#<>]+@[^\s@#<>]+\.[^\s@#<>]+$/;

/** What the member lookup says of a Teams user: the link to their email identity. */
export interface TeamsMember {
  aadId: string | null;
  name: string | undefined;
  email: string | null;
  tenantId: string | null;
}

/** Looks a member of this turn's conversation up (by Teams user id or Entra ID object id). */
export async function lookupMember(turn: TurnContext, userId: string): Promise<TeamsMember> {
  const member = await TeamsInfo.getMember(turn, userId);
  const email = [member.email, member.userPrincipalName].find(
    (e): e is string => typeof e === 'string' && EMAIL.test(e),
  );
  return {
    aadId: member.aadObjectId ?? null,
    name: member.name,
    email: email ?? null,
    tenantId: member.tenantId ?? null,
  };
}

/**
 * Teams users Herald has not met, for the core when a message mentions one: the member lookup
 * through the turn's connector.
 */
export function teamsDirectory(turn: TurnContext, logger: Logger): Directory {
  return {
    async profile(platform, userId) {
      if (platform !== 'teams') return null;
      try {
        const member = await lookupMember(turn, userId);
        if (!member.aadId) return null;
        return {
          platform,
          aadId: member.aadId,
          displayName: member.name ?? 'Teams user',
          email: member.email,
          tenantId: member.tenantId,
        };
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'teams: member lookup failed');
        return null;
      }
    },
  };
}
