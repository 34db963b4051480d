import type { Activity, TurnContext } from 'botbuilder';
import { identifyTeamsUser, personByTeamsUser } from '../../src/actions/identify-person.js';
import type { ActionContext } from '../../src/actions/context.js';
import type { Person } from '../../src/domain/types.js';
import type { Logger } from '../../src/logger.js';
import { referenceOf } from './conversation-ref.js';
import { lookupMember } from './directory.js';

const botIsIn = (activity: Partial<Activity>, members: Activity['membersAdded'] | undefined) =>
  members?.some((m) => m.id === activity.recipient?.id) ?? false;

/** The app was removed for this user: the chat no longer accepts Herald's messages. */
export const isUninstall = (a: Partial<Activity>): boolean =>
  (a.type === 'installationUpdate' && (a.action ?? '').startsWith('remove')) ||
  (a.type === 'conversationUpdate' && botIsIn(a, a.membersRemoved));

/** The app was (re)installed for this user. */
export const isInstall = (a: Partial<Activity>): boolean =>
  (a.type === 'installationUpdate' && (a.action ?? '').startsWith('add')) ||
  (a.type === 'conversationUpdate' && botIsIn(a, a.membersAdded));

/** A one-to-one chat with the bot: the only place Herald stores a reference and answers. */
export const isPersonalChat = (a: Partial<Activity>): boolean =>
  (a.conversation?.conversationType ?? 'personal') === 'personal' &&
  a.conversation?.isGroup !== true;

async function memberEmail(
  turn: TurnContext,
  logger: Logger,
  trustedTenant: string | null,
): Promise<{ name?: string; email: string | null }> {
  try {
    const member = await lookupMember(turn, turn.activity.from.id, trustedTenant);
    return { ...(member.name ? { name: member.name } : {}), email: member.email };
  } catch (err) {
    // Without the email the person is still known by AAD id; linking waits for the next message.
    logger.warn({ err: (err as Error).message }, 'teams: member lookup failed');
    return { email: null };
  }
}

/**
 * The person behind an activity in a personal chat, with the conversation reference refreshed on
 * every activity (the service URL may move) and cleared on uninstall. The member lookup that gives
 * the email — the link to the same person known from Slack or email — runs on install and while
 * Herald has no address for them; `trustedTenant` (`TEAMS_TENANT_ID`) decides which address it
 * may give. Returns null outside a personal chat or without an AAD id.
 */
export async function identifySender(
  ctx: ActionContext,
  turn: TurnContext,
  logger: Logger,
  trustedTenant: string | null,
): Promise<Person | null> {
  const a = turn.activity;
  const aadId = a.from?.aadObjectId;
  if (!aadId || !isPersonalChat(a)) return null;
  const known = await personByTeamsUser(ctx, aadId);
  if (isUninstall(a)) {
    // Someone Herald never met needs no record of having left.
    if (!known) return null;
    return identifyTeamsUser(ctx, {
      aadId,
      displayName: known.displayName,
      email: null,
      conversationRef: null,
    });
  }
  const reference = referenceOf(a);
  const member =
    isInstall(a) || !known?.email
      ? await memberEmail(turn, logger, trustedTenant)
      : { email: null };
  return identifyTeamsUser(ctx, {
    aadId,
    displayName: member.name || a.from.name || known?.displayName || 'Teams user',
    email: member.email,
    ...(reference ? { conversationRef: JSON.stringify(reference) } : {}),
  });
}
