import type { App } from '@slack/bolt';
import { runCommandText } from '../../../src/commands/execute.js';
import type { CommandRoot } from '../../../src/commands/types.js';
import type { SlackDeps } from '../deps.js';
import { fromSlackText } from '../dialect.js';
import { escapeSlack } from '../escape.js';
import { errorText } from '../reply.js';
import { openModal } from './open-modal.js';

const ROOTS: Record<string, CommandRoot> = {
  '/incident': 'incident',
  '/stakeholders': 'stakeholders',
};

/**
 * `/incident` and `/stakeholders`: ack at once (Slack allows three seconds), then decode Slack's
 * markup, run the command through the one dispatcher and answer ephemerally through its
 * `response_url` (`deps.replies`) — once: `response_url` takes five replies within thirty
 * minutes. A command naming many people Herald has not met waits for Slack's pace (the directory
 * never times out); a rate limit is waited out, never the reply.
 */
export function registerCommands(app: App, deps: SlackDeps): void {
  for (const [name, root] of Object.entries(ROOTS)) {
    app.command(name, async ({ command, ack, client }) => {
      await ack();
      // Plain text (mrkdwn off): user text in a reply shows as typed, as on every surface.
      const ephemeral = (text: string) =>
        deps.replies.post(command.response_url, {
          response_type: 'ephemeral',
          text,
          mrkdwn: false,
        });
      try {
        const actor = await deps.identity.actor(command.user_id);
        const ctx = { ...deps.ctx, directory: deps.identity.directory };
        // A payload without `text` (Slack always sends it, a forger may not) reads as empty.
        const input = fromSlackText(typeof command.text === 'string' ? command.text : '');
        const reply = await runCommandText(ctx, actor, root, input, 'slack');
        if (reply.kind === 'text') {
          await ephemeral(escapeSlack(reply.text));
        } else {
          await openModal(client, command.trigger_id, reply);
        }
      } catch (err) {
        await ephemeral(errorText(err, deps.logger));
      }
    });
  }
}
