import type { TurnContext } from 'botbuilder';
import { runChatMessage, type CommandContext } from '../../src/commands/execute.js';
import type { Person } from '../../src/domain/types.js';
import type { Logger } from '../../src/logger.js';
import { fromTeamsActivity } from './dialect.js';
import { teamsDirectory } from './directory.js';
import { identifySender, isInstall, isPersonalChat } from './identify-sender.js';
import { SAVE_PREFERENCES } from './preferences-card.js';
import { savePreferences } from './save-preferences.js';
import { sendReply } from './send-reply.js';
import {
  errorReply,
  fromCommandReply,
  replyActivity,
  textReply,
  type TeamsReply,
} from './teams-reply.js';

const WELCOME =
  'Hi, I am Herald. When you are subscribed to an incident, I tell you here: when you are added, on every update for stakeholders, and when it is resolved.\nType help for what you can ask me, or preferences to choose where I reach you.';

const NO_IDENTITY =
  'Herald could not tell who you are (this message has no Microsoft Entra ID): message it from Microsoft Teams.';

const NOT_PERSONAL =
  'Herald answers in a personal chat: open Herald from the apps in Teams and message it there.';

/** Answers one turn; false when the activity is not one Herald handles (or the sender is unknown). */
export interface TeamsBot {
  run(turn: TurnContext): Promise<boolean>;
}

/** An Adaptive Card `Action.Submit` arrives as a message with no text and the card's data as value. */
const submittedVerb = (turn: TurnContext): string | undefined => {
  const { text } = turn.activity;
  const value = turn.activity.value as unknown;
  if (text || typeof value !== 'object' || value === null) return undefined;
  const verb = (value as { verb?: unknown }).verb;
  return typeof verb === 'string' ? verb : undefined;
};

/**
 * The bot: identifies the sender on every activity (refreshing the stored conversation
 * reference), welcomes on install, answers personal-chat messages and saves the preferences card.
 * `tenantId` is `TEAMS_TENANT_ID`: the tenant whose users' email addresses are believed.
 * Handlers are thin: the core does the work, `teams-reply` the rendering.
 *
 * Four routes, so they are dispatched here on botbuilder's `TurnContext` rather than through
 * teams-ai's `Application`, whose module graph (AI planners, tokenizer, dialogs, recognizers)
 * costs 40–60 MB of memory Herald would never use. teams-ai still hosts the bot: `TeamsAdapter`.
 */
export function createTeamsBot(
  ctx: CommandContext,
  logger: Logger,
  opts: { tenantId: string | null },
): TeamsBot {
  const respond = async (turn: TurnContext, produce: () => Promise<TeamsReply> | TeamsReply) => {
    let reply: TeamsReply;
    try {
      reply = await produce();
    } catch (err) {
      const friendly = errorReply(err);
      if (!friendly) logger.error({ err }, 'teams: command failed');
      reply =
        friendly ?? textReply('Sorry, something went wrong on my side. Please try again later.');
    }
    await sendReply(turn, replyActivity(reply));
  };

  return {
    async run(turn) {
      const { activity } = turn;
      const actor: Person | null = await identifySender(ctx, turn, logger, opts.tenantId);
      if (!actor) {
        if (activity.type === 'message') {
          const why = isPersonalChat(activity) ? NO_IDENTITY : NOT_PERSONAL;
          await sendReply(turn, replyActivity(textReply(why)));
        }
        return false;
      }

      if (activity.type === 'conversationUpdate') {
        if (!activity.membersAdded?.length) return false;
        if (isInstall(activity)) await respond(turn, () => textReply(WELCOME));
        return true;
      }

      if (activity.type !== 'message') return false;
      const request = { ...ctx, directory: teamsDirectory(turn, logger, opts.tenantId) };
      const reply = async (run: () => ReturnType<typeof runChatMessage>) =>
        fromCommandReply(await run(), ctx.channels);
      if (submittedVerb(turn) === SAVE_PREFERENCES) {
        await respond(turn, () =>
          reply(() => savePreferences(request, actor, activity.value as unknown)),
        );
        return true;
      }
      // "@Herald incident 12" in a chat where the bot was mentioned reads as "incident 12".
      await respond(turn, () =>
        reply(() => runChatMessage(request, actor, fromTeamsActivity(activity), 'teams')),
      );
      return true;
    },
  };
}
