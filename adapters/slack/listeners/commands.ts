import type { App } from '@slack/bolt';
import { runCommandText } from '../../../src/commands/execute.js';
import type { CommandRoot } from '../../../src/commands/types.js';
import type { SlackDeps } from '../deps.js';
import { escapeSlack } from '../escape.js';
import { errorText } from '../reply.js';
import { openModal } from './open-modal.js';

const ROOTS: Record<string, CommandRoot> = {
  '/incident': 'incident',
  '/stakeholders': 'stakeholders',
};

/**
 * `/incident` and `/stakeholders`: ack at once (Slack allows three seconds), then parse with the
 * shared grammar, run the action and answer ephemerally through `respond`.
 */
export function registerCommands(app: App, deps: SlackDeps): void {
  for (const [name, root] of Object.entries(ROOTS)) {
    app.command(name, async ({ command, ack, respond, client }) => {
      await ack();
      // Plain text (mrkdwn off): user text in a reply shows as typed, as on every surface.
      const ephemeral = (text: string) =>
        respond({ response_type: 'ephemeral', text, mrkdwn: false });
      try {
        const actor = await deps.identity.actor(command.user_id);
        const ctx = {
          ...deps.ctx,
          directory: { slackUser: (id: string) => deps.identity.profile(id) },
        };
        // Slack always sends `text` (empty when nothing was typed); a request without it means
        // the same, not a crash in the grammar.
        const text = typeof command.text === 'string' ? command.text : '';
        const reply = await runCommandText(ctx, actor, root, text, 'slack');
        if (reply.kind === 'text') {
          await ephemeral(escapeSlack(reply.text));
        } else {
          await openModal(client, command.trigger_id, deps, actor, reply);
        }
      } catch (err) {
        await ephemeral(errorText(err, deps.logger));
      }
    });
  }
}
