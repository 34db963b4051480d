import type { App } from '@slack/bolt';
import { z } from 'zod';
import { declareIncident } from '../../../src/actions/declare-incident.js';
import {
  createTeam,
  deleteTeam,
  editTeam,
  setTeamMembers,
} from '../../../src/actions/manage-teams.js';
import { addRule } from '../../../src/actions/manage-rules.js';
import { postStatusUpdate } from '../../../src/actions/post-status-update.js';
import { resolveIncident } from '../../../src/actions/resolve-incident.js';
import { resolveTargets } from '../../../src/actions/resolve-targets.js';
import { setPreferences } from '../../../src/actions/set-preferences.js';
import { setSummary } from '../../../src/actions/set-summary.js';
import { subscribeToIncident } from '../../../src/actions/subscribe-to-incident.js';
import { parseTargets } from '../../../src/commands/grammar.js';
import * as replies from '../../../src/commands/replies.js';
import type { Target } from '../../../src/commands/types.js';
import { CHANNELS, SEVERITIES, type Person } from '../../../src/domain/types.js';
import { HeraldError, isHeraldError } from '../../../src/errors.js';
import type { Client, SlackDeps } from '../deps.js';
import { fieldErrors } from '../reply.js';
import { doneModal, MODAL } from '../views/modals.js';
import { RULES_MODAL } from '../views/rules.js';
import { teamsModal } from '../views/teams.js';
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
    const targets = parseTargets(text);
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

const stale = () => new HeraldError('INVALID_INPUT', 'This form is out of date; open it again.');

/**
 * Modal submissions. The action runs before the ack so a refusal can be shown on the field it is
 * about (`response_action: errors`): every action is a local SQLite transaction, well inside
 * Slack's three seconds. Only people Herald has never met need `users.info` first, bounded to two
 * seconds; refreshing a list under the modal happens after the ack.
 */
export function registerViews(app: App, deps: SlackDeps): void {
  const { ctx } = deps;
  const handle = (
    callbackId: string,
    run: (
      actor: Person,
      state: ViewState,
      privateMetadata: string | undefined,
      previousViewId: string | null,
      client: Client,
    ) => Promise<Outcome> | Outcome,
    blocks: Record<string, string>,
    /** The block that shows errors without a field of their own; `null`: the modal has no inputs. */
    fallback: string | null,
  ) => {
    app.view(callbackId, async ({ ack, body, view, client }) => {
      let outcome: Outcome;
      try {
        const actor = await deps.identity.actor(body.user.id);
        outcome = await run(
          actor,
          new ViewState(view.state.values),
          view.private_metadata,
          view.previous_view_id ?? null,
          client,
        );
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
  };

  handle(
    MODAL.declare,
    (actor, s) => {
      const severity = s.option('severity');
      const { incident } = declareIncident(ctx, actor, {
        title: s.text('title'),
        summary: s.text('summary'),
        severity: SEVERITIES.find((v) => v === severity) ?? 'SEV3',
        service: s.text('service').trim() || null,
        source: 'slack',
      });
      return {
        response_action: 'update',
        view: doneModal(
          `Declared #${incident.id}`,
          `Declared ${replies.incidentLine(incident)}.\nSubscribe stakeholders with /incident subscribe ${incident.id}.`,
        ),
      };
    },
    { title: 'title', summary: 'summary', severity: 'severity', service: 'service' },
    'title',
  );

  handle(
    MODAL.subscribe,
    async (actor, s, meta) => {
      const { incidentId } = metadata(incidentMeta, meta) ?? { incidentId: 0 };
      if (!incidentId) throw stale();
      const people = await deps.identity.people(s.users('people'));
      const emails = emailTargets(s.text('emails'), 'emails');
      const teams = s.options('teams').map((name): Target => ({ kind: 'team', name }));
      if (people.length + emails.length + teams.length === 0) {
        throw new HeraldError(
          'INVALID_INPUT',
          'Choose at least one person, team or email address.',
          'people',
        );
      }
      const r = ctx.store.transaction(() => {
        setSummary(ctx, actor, incidentId, s.text('summary'));
        const targets = resolveTargets(ctx, [...emails, ...teams]);
        return subscribeToIncident(ctx, actor, incidentId, {
          people: [...people, ...targets.people],
          teams: targets.teams,
        });
      });
      return {
        response_action: 'update',
        view: doneModal(`Subscribed to #${incidentId}`, replies.subscribedText(r)),
      };
    },
    { summary: 'summary', targets: 'people', people: 'people', emails: 'emails', team: 'teams' },
    'people',
  );

  handle(
    MODAL.update,
    (actor, s, meta) => {
      const { incidentId } = metadata(incidentMeta, meta) ?? { incidentId: 0 };
      if (!incidentId) throw stale();
      const notify = s.options('notify').includes('notify');
      const r = postStatusUpdate(ctx, actor, incidentId, {
        text: s.text('text'),
        notifyStakeholders: notify,
      });
      return {
        response_action: 'update',
        view: doneModal(
          `Update on #${incidentId}`,
          notify
            ? `Update sent to stakeholders of #${incidentId}: ${replies.notifiedPhrase(r.notified)}.`
            : `Internal update added to #${incidentId} (stakeholders not notified).`,
        ),
      };
    },
    { text: 'text' },
    'text',
  );

  handle(
    MODAL.resolve,
    (actor, s, meta) => {
      const { incidentId } = metadata(incidentMeta, meta) ?? { incidentId: 0 };
      if (!incidentId) throw stale();
      const r = resolveIncident(ctx, actor, incidentId, s.text('note'));
      return {
        response_action: 'update',
        view: doneModal(
          `Resolved #${incidentId}`,
          `Resolved #${incidentId}; ${replies.notifiedPhrase(r.notified)}.`,
        ),
      };
    },
    { note: 'note' },
    'note',
  );

  handle(
    MODAL.preferences,
    (actor, s, meta) => {
      const target = ctx.store.people.byId(metadata(personMeta, meta)?.personId ?? 0);
      if (!target) throw stale();
      const chosen = CHANNELS.filter((c) => s.options('channels').includes(c));
      const view = setPreferences(ctx, actor, chosen, target);
      return {
        response_action: 'update',
        view: doneModal('Channels saved', replies.preferencesText(view)),
      };
    },
    { channels: 'channels' },
    'channels',
  );

  handle(
    MODAL.teamEdit,
    async (actor, s, meta, parentId, client) => {
      const m = metadata(teamMeta, meta);
      if (!m) throw stale();
      const slackMembers = await deps.identity.people(s.users('members'));
      const emails = emailTargets(s.text('emails'), 'emails');
      ctx.store.transaction(() => {
        const members = [...slackMembers, ...resolveTargets(ctx, emails).people];
        const name = s.text('name');
        const description = s.text('description');
        if (m.team === null) createTeam(ctx, actor, { name, description, members });
        else {
          const team = editTeam(ctx, actor, m.team, { name, description });
          setTeamMembers(ctx, actor, team.name, members);
        }
      });
      void refreshTeamList(client, parentId);
      return undefined;
    },
    { name: 'name', description: 'description', emails: 'emails', team: 'name' },
    'name',
  );

  handle(
    MODAL.teamDelete,
    (actor, _s, meta, parentId, client) => {
      const m = metadata(teamMeta, meta);
      if (!m?.team) throw stale();
      deleteTeam(ctx, actor, m.team);
      void refreshTeamList(client, parentId);
      return undefined;
    },
    {},
    null,
  );

  handle(
    RULES_MODAL,
    async (actor, s) => {
      const people = await deps.identity.people(s.users('people'));
      const teams = resolveTargets(
        ctx,
        s.options('teams').map((name): Target => ({ kind: 'team', name })),
      ).teams;
      const rule = addRule(ctx, actor, {
        service: s.text('service').trim() || null,
        severities: SEVERITIES.filter((v) => s.options('severities').includes(v)),
        targets: { people, teams },
      });
      return {
        response_action: 'update',
        view: doneModal('Rule added', `Rule ${rule.id} added: ${replies.ruleLine(rule)}.`),
      };
    },
    { service: 'service', severities: 'severities', targets: 'people', people: 'people' },
    'service',
  );

  /** After a pushed editor closes, the list under it shows the change. */
  async function refreshTeamList(client: Client, parentId: string | null): Promise<void> {
    if (!parentId) return;
    const teams = ctx.store.teams.list();
    try {
      await client.views.update({ view_id: parentId, view: teamsModal(teams) as never });
    } catch (err) {
      deps.logger.warn({ err }, 'slack: could not refresh the team list');
    }
  }
}
