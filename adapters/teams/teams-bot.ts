import { Application, type TeamsAdapter } from '@microsoft/teams-ai';
import { ActivityTypes, type TurnContext } from 'botbuilder';
import type { CommandContext } from '../../src/commands/execute.js';
import type { Person } from '../../src/domain/types.js';
import type { Logger } from '../../src/logger.js';
import { answerMessage } from './answer-message.js';
import { identifySender, isInstall, isPersonalChat } from './identify-sender.js';
import { SAVE_PREFERENCES } from './preferences-card.js';
import { savePreferences } from './save-preferences.js';
import { errorReply, replyActivity, textReply, type TeamsReply } from './teams-reply.js';

/** Where the turn keeps the person identified before any route runs. */
const ACTOR = Symbol('herald.teams.actor');

const WELCOME =
  'Hi, I am Herald. When you are subscribed to an incident, I tell you here: when you are added, on every update for stakeholders, and when it is resolved.\nType help for what you can ask me, or preferences to choose where I reach you.';

const NO_IDENTITY =
  'Herald could not tell who you are (this message has no Microsoft Entra ID): message it from Microsoft Teams.';

const NOT_PERSONAL =
  'Herald answers in a personal chat: open Herald from the apps in Teams and message it there.';

/**
 * The teams-ai application: identifies the sender on every activity (refreshing the stored
 * conversation reference), welcomes on install, answers personal-chat messages and saves the
 * preferences card. Handlers are thin: the core does the work, `teams-reply` the rendering.
 */
export function createTeamsBot(
  adapter: TeamsAdapter,
  appId: string,
  ctx: CommandContext,
  logger: Logger,
): Application {
  const app = new Application({
    adapter,
    botAppId: appId,
    // Typing indicators would be extra connector calls for replies that take milliseconds.
    startTypingTimer: false,
    removeRecipientMention: true,
  });

  const actorOf = (turn: TurnContext): Person => turn.turnState.get<Person>(ACTOR);

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
    await turn.sendActivity(replyActivity(reply));
  };

  app.turn('beforeTurn', async (turn) => {
    const actor = await identifySender(ctx, turn, logger);
    turn.turnState.set(ACTOR, actor);
    if (!actor && turn.activity.type === 'message') {
      const why = isPersonalChat(turn.activity) ? NO_IDENTITY : NOT_PERSONAL;
      await turn.sendActivity(replyActivity(textReply(why)));
    }
    return actor !== null;
  });

  app.conversationUpdate('membersAdded', async (turn) => {
    if (isInstall(turn.activity)) await respond(turn, () => textReply(WELCOME));
  });

  app.adaptiveCards.actionSubmit(SAVE_PREFERENCES, (turn, _state, value) =>
    respond(turn, () => savePreferences(ctx, actorOf(turn), value)),
  );

  app.activity(ActivityTypes.Message, (turn) => {
    const text = turn.activity.text?.trim() ?? '';
    return respond(turn, () => answerMessage(ctx, actorOf(turn), text === '' ? 'help' : text));
  });

  return app;
}
