import type { App, SlashCommand } from '@slack/bolt';
import { runCommandText, type Reply } from '../../../src/commands/execute.js';
import type { CommandRoot } from '../../../src/commands/types.js';
import type { SlackDeps } from '../deps.js';
import { fromSlackText } from '../dialect.js';
import { escapeSlack } from '../escape.js';
import { errorText } from '../reply.js';
import { exactly } from './exactly.js';
import { openModal } from './open-modal.js';

const ROOTS: Record<string, CommandRoot> = {
  '/incident': 'incident',
  '/stakeholders': 'stakeholders',
};

/**
 * How long a command may run for its answer to go out as the ack itself. Slack waits three
 * seconds for the ack, the network's time included; a command still running at this point is
 * acked empty and answered through its `response_url` when it is done.
 */
export const ANSWER_IN_ACK_MS = 2_000;

/** What a command came to: a line for the user, or a modal to open. */
type Answer = { kind: 'text'; text: string } | Extract<Reply, { kind: 'form' }>;

const LATE = Symbol('late');

/**
 * `/incident` and `/stakeholders`: decode Slack's markup, run the command through the one
 * dispatcher and answer ephemerally. The answer goes in the ack when it is ready within
 * {@link ANSWER_IN_ACK_MS} — one response, no second request, the reply on screen a round trip
 * sooner — and otherwise through the command's `response_url` (`deps.replies`), once:
 * `response_url` takes five replies within thirty minutes. A command naming many people Herald has
 * not met waits for Slack's pace (the directory never times out); a rate limit is waited out,
 * never the reply. A modal is opened after an empty ack.
 */
export function registerCommands(app: App, deps: SlackDeps): void {
  app.command(exactly(Object.keys(ROOTS)), async ({ command, ack, client }) => {
    const answering = answer(deps, ROOTS[command.command]!, command);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<typeof LATE>((resolve) => {
      timer = setTimeout(resolve, ANSWER_IN_ACK_MS, LATE);
    });
    const first = await Promise.race([answering, late]);
    clearTimeout(timer);
    if (first !== LATE && first.kind === 'text') return ack(ephemeral(first.text));
    await ack();
    const done = first === LATE ? await answering : first;
    if (done.kind === 'text') return deps.replies.post(command.response_url, ephemeral(done.text));
    try {
      await openModal(client, command.trigger_id, done);
    } catch (err) {
      await deps.replies.post(command.response_url, ephemeral(errorText(err, deps.logger)));
    }
  });
}

/** The command's answer; a failure is answered too, with its coded message. Never rejects. */
async function answer(deps: SlackDeps, root: CommandRoot, command: SlashCommand): Promise<Answer> {
  try {
    const actor = await deps.identity.actor(command.user_id);
    const ctx = { ...deps.ctx, directory: deps.identity.directory };
    // A payload without `text` (Slack always sends it, a forger may not) reads as empty.
    const input = fromSlackText(typeof command.text === 'string' ? command.text : '');
    const reply = await runCommandText(ctx, actor, root, input, 'slack');
    return reply.kind === 'text' ? { kind: 'text', text: escapeSlack(reply.text) } : reply;
  } catch (err) {
    return { kind: 'text', text: errorText(err, deps.logger) };
  }
}

/** Plain text (mrkdwn off): user text in a reply shows as typed, as on every surface. */
const ephemeral = (text: string) => ({
  response_type: 'ephemeral' as const,
  text,
  mrkdwn: false,
});
