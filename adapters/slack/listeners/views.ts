import type { App } from '@slack/bolt';
import { z } from 'zod';
import { stakeholderTeamsForm } from '../../../src/actions/forms.js';
import { executeCommand, type Reply } from '../../../src/commands/execute.js';
import { parseTargets } from '../../../src/commands/grammar.js';
import { plainInput, type Command, type Target } from '../../../src/commands/types.js';
import { CHANNELS, SEVERITIES, type Person } from '../../../src/domain/types.js';
import { HeraldError, isHeraldError } from '../../../src/errors.js';
import type { Client, SlackDeps } from '../deps.js';
import { fieldErrors } from '../reply.js';
import { doneModal, MODAL } from '../views/modals.js';
import { RULES_MODAL } from '../views/rules.js';
import { stakeholderTeamsModal } from '../views/stakeholder-teams.js';
import { exactly } from './exactly.js';
import { metadata, ViewState } from './view-state.js';

type Outcome =
  | { response_action: 'update'; view: object }
  | { response_action: 'errors'; errors: Record<string, string> }
  | undefined;

const incidentMeta = z.object({ incidentId: z.number().int().positive() });
const teamMeta = z.object({ team: z.string().nullable() });
const personMeta = z.object({ personId: z.number().int().positive() });

/** Email targets from a free-text field; anything else there is a field error. */
function emailTargets(text: string, block: string): Target[] {
  if (!text.trim()) return [];
  try {
    const targets = parseTargets(plainInput(text));
    if (targets.every((t) => t.kind === 'email')) return targets;
  } catch {
    // reported below with the field named
  }
  throw new HeraldError(
    'INVALID_INPUT',
    'Enter email addresses separated by spaces or commas.',
    block,
  );
}

/** Slack users picked in a multi-select, as targets. */
const slackUsers = (ids: readonly string[]): Target[] =>
  ids.map((userId) => ({ kind: 'user', platform: 'slack', userId }));

const stale = () => new HeraldError('INVALID_INPUT', 'This form is out of date; open it again.');

/** A form's submission as the command it stands for, or what to do after it (`close`). */
interface Submission {
  command: Command;
  /** After success: show the reply in a done view (default), or close and refresh the list. */
  after?: 'done' | 'close-and-refresh';
}

/** How a form reads: its command, its fields' blocks, and where other errors show. */
interface Form {
  read: (state: ViewState, privateMetadata: string | undefined) => Submission;
  blocks: Record<string, string>;
  /** The block that shows errors without a field of their own; `null`: the modal has no inputs. */
  fallback: string | null;
}

/**
 * Modal submissions. Each form is a command: it runs through the same dispatcher as the slash
 * commands, so it does what they do and answers in their words. The command runs before the ack
 * so a refusal shows on the field it is about (`response_action: errors`); only people Herald has
 * never met need Slack first (the shared cache, else a paced look-up within the time left).
 * Refreshing a list under the modal happens after the ack.
 */
export function registerViews(app: App, deps: SlackDeps): void {
  const forms = new Map<string, Form>();
  const handle = (
    callbackId: string,
    read: Form['read'],
    blocks: Form['blocks'],
    fallback: Form['fallback'],
  ) => {
    forms.set(callbackId, { read, blocks, fallback });
  };

  // People picked here whom Herald has not met are looked up within the three seconds, or the
  // submission asks to try again (the look-up goes on and is cached for the next try).
  const run = (actor: Person, command: Command) =>
    executeCommand(
      { ...deps.ctx, directory: deps.identity.boundedDirectory },
      actor,
      command,
      'slack',
    );

  const incidentOf = (meta: string | undefined): number => {
    const id = metadata(incidentMeta, meta)?.incidentId;
    if (!id) throw stale();
    return id;
  };

  handle(
    MODAL.declare,
    (s) => {
      const severity = s.option('severity');
      return {
        command: {
          root: 'incident',
          name: 'new',
          title: s.text('title'),
          summary: s.text('summary'),
          severity: SEVERITIES.find((v) => v === severity) ?? 'SEV3',
          service: s.text('service').trim() || null,
        },
      };
    },
    { title: 'title', summary: 'summary', severity: 'severity', service: 'service' },
    'title',
  );

  handle(
    MODAL.subscribe,
    (s, meta) => ({
      command: {
        root: 'incident',
        name: 'subscribe',
        id: incidentOf(meta),
        summary: s.text('summary'),
        targets: [
          ...slackUsers(s.users('people')),
          ...emailTargets(s.text('emails'), 'emails'),
          ...s.options('teams').map((name): Target => ({ kind: 'team', name })),
        ],
      },
    }),
    { summary: 'summary', targets: 'people', people: 'people', emails: 'emails', team: 'teams' },
    'people',
  );

  handle(
    MODAL.update,
    (s, meta) => {
      const id = incidentOf(meta);
      const text = s.text('text');
      return {
        command: s.options('notify').includes('notify')
          ? { root: 'incident', name: 'notify', id, text }
          : { root: 'incident', name: 'update', id, text },
      };
    },
    { text: 'text' },
    'text',
  );

  handle(
    MODAL.resolve,
    (s, meta) => ({
      command: { root: 'incident', name: 'resolve', id: incidentOf(meta), note: s.text('note') },
    }),
    { note: 'note' },
    'note',
  );

  handle(
    MODAL.preferences,
    (s, meta) => {
      const personId = metadata(personMeta, meta)?.personId;
      if (!personId) throw stale();
      return {
        command: {
          root: 'stakeholders',
          name: 'prefs-set',
          channels: CHANNELS.filter((c) => s.options('channels').includes(c)),
          target: { kind: 'person', personId },
        },
      };
    },
    { channels: 'channels', target: 'channels' },
    'channels',
  );

  handle(
    MODAL.stakeholderTeamEdit,
    (s, meta) => {
      const m = metadata(teamMeta, meta);
      if (!m) throw stale();
      const members = [
        ...slackUsers(s.users('members')),
        ...emailTargets(s.text('emails'), 'emails'),
      ];
      const name = s.text('name');
      const description = s.text('description');
      return {
        after: 'close-and-refresh',
        command:
          m.team === null
            ? { root: 'stakeholders', name: 'team-create', team: name, description, members }
            : {
                root: 'stakeholders',
                name: 'team-edit',
                team: m.team,
                newName: name,
                description,
                members,
              },
      };
    },
    { name: 'name', description: 'description', emails: 'emails', team: 'name', targets: 'emails' },
    'name',
  );

  handle(
    MODAL.stakeholderTeamDelete,
    (_s, meta) => {
      const m = metadata(teamMeta, meta);
      if (!m?.team) throw stale();
      return {
        after: 'close-and-refresh',
        command: { root: 'stakeholders', name: 'team-delete', team: m.team },
      };
    },
    {},
    null,
  );

  handle(
    RULES_MODAL,
    (s) => ({
      command: {
        root: 'stakeholders',
        name: 'rule-add',
        service: s.text('service').trim() || null,
        severities: SEVERITIES.filter((v) => s.options('severities').includes(v)),
        targets: [
          ...slackUsers(s.users('people')),
          ...s.options('teams').map((name): Target => ({ kind: 'team', name })),
        ],
      },
    }),
    {
      service: 'service',
      severities: 'severities',
      targets: 'people',
      people: 'people',
      team: 'teams',
    },
    'service',
  );

  // One listener for every form (see `exactly`).
  app.view(exactly(forms.keys()), async ({ ack, body, view, client }) => {
    const { callback_id: callbackId } = view;
    const { read, blocks, fallback } = forms.get(callbackId)!;
    let outcome: Outcome;
    try {
      const user = (body as { user?: { id?: unknown } }).user?.id;
      if (typeof user !== 'string') throw stale();
      const actor = await deps.identity.actor(user);
      const { command, after = 'done' } = read(
        new ViewState(view.state.values),
        view.private_metadata,
      );
      const reply = await run(actor, command);
      if (after === 'close-and-refresh') {
        void refreshTeamList(client, actor, view.previous_view_id ?? null);
        outcome = undefined;
      } else {
        outcome = { response_action: 'update', view: done(reply) };
      }
    } catch (err) {
      if (!isHeraldError(err)) deps.logger.error({ err, callbackId }, 'slack: submission failed');
      const e = isHeraldError(err)
        ? err
        : new HeraldError(
            'INVALID_INPUT',
            'Something went wrong on Herald’s side; nothing was changed.',
          );
      outcome =
        fallback === null
          ? { response_action: 'update', view: doneModal('Nothing changed', e.message) }
          : { response_action: 'errors', errors: fieldErrors(e, blocks, fallback) };
    }
    await ack(outcome as never);
  });

  /** After a pushed editor closes, the list under it shows the change. */
  async function refreshTeamList(
    client: Client,
    actor: Person,
    parentId: string | null,
  ): Promise<void> {
    if (!parentId) return;
    try {
      const teams = await stakeholderTeamsForm(deps.ctx, actor);
      await client.views.update({ view_id: parentId, view: stakeholderTeamsModal(teams) as never });
    } catch (err) {
      deps.logger.warn({ err }, 'slack: could not refresh the team list');
    }
  }
}

/** A command's words in the view a modal turns into after a successful submission. */
function done(reply: Reply): object {
  return reply.kind === 'text'
    ? doneModal(reply.title ?? 'Done', reply.text)
    : doneModal('Done', 'Saved.');
}
