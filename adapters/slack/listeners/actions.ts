import type { App, BlockAction } from '@slack/bolt';
import { z } from 'zod';
import {
  resolveForm,
  rulesForm,
  stakeholderTeamForm,
  subscribeForm,
  updateForm,
} from '../../../src/actions/forms.js';
import { removeRule } from '../../../src/actions/manage-rules.js';
import type { Person } from '../../../src/domain/types.js';
import { isHeraldError } from '../../../src/errors.js';
import type { Client, SlackDeps } from '../deps.js';
import {
  audienceBlock,
  MODAL,
  resolveModal,
  subscribeModal,
  updateModal,
} from '../views/modals.js';
import { RULES_MODAL, rulesModal } from '../views/rules.js';
import {
  stakeholderTeamDeleteModal,
  stakeholderTeamEditModal,
} from '../views/stakeholder-teams.js';
import { exactly } from './exactly.js';
import { metadata } from './view-state.js';

const incidentMeta = z.object({ incidentId: z.number().int().positive() });

/**
 * Buttons and live inputs: App Home's per-incident buttons open the modals; the team editor's
 * menu pushes the edit or delete view; ticking "Send as update to stakeholders" refreshes the
 * audience preview. Each asks the core for the form it opens, which checks the actor may.
 */
export function registerActions(app: App, deps: SlackDeps): void {
  const { ctx } = deps;

  type Run = (actor: Person, body: BlockAction, value: string, client: Client) => Promise<void>;
  const runs = new Map<string, Run>();
  const onAction = (actionId: string, run: Run) => {
    runs.set(actionId, run);
  };

  const open = async (client: Client, triggerId: string, view: object) => {
    await client.views.open({ trigger_id: triggerId, view: view as never });
  };

  onAction('home-update', async (actor, body, value, client) => {
    const { incident, audience } = await updateForm(ctx, actor, Number(value));
    await open(client, body.trigger_id, updateModal(incident, audience));
  });
  onAction('home-subscribe', async (actor, body, value, client) => {
    const { incident, teams } = await subscribeForm(ctx, actor, Number(value));
    await open(client, body.trigger_id, subscribeModal(incident, teams));
  });
  onAction('home-resolve', async (actor, body, value, client) => {
    const { incident } = await resolveForm(ctx, actor, Number(value));
    await open(client, body.trigger_id, resolveModal(incident));
  });

  onAction('notify', async (actor, body, _value, client) => {
    const view = body.view;
    if (!view || view.callback_id !== MODAL.update) return;
    const { incidentId } = metadata(incidentMeta, view.private_metadata) ?? { incidentId: 0 };
    const { audience } = await updateForm(ctx, actor, incidentId);
    const ticked = (view.state.values.notify?.notify?.selected_options ?? []).some(
      (o) => o.value === 'notify',
    );
    const blocks = (view.blocks as Array<{ block_id?: string }>).map((b) =>
      b.block_id === 'audience' ? audienceBlock(ticked, audience) : b,
    );
    await client.views.update({
      view_id: view.id,
      hash: view.hash,
      view: {
        type: 'modal',
        callback_id: view.callback_id,
        title: view.title,
        submit: view.submit ?? undefined,
        close: view.close ?? undefined,
        private_metadata: view.private_metadata,
        blocks,
      } as never,
    });
  });

  onAction('rule-remove', async (actor, body, value, client) => {
    await removeRule(ctx, actor, Number(value));
    const view = body.view;
    if (view?.callback_id !== RULES_MODAL) return;
    const { rules, teams } = await rulesForm(ctx, actor);
    await client.views.update({ view_id: view.id, view: rulesModal(rules, teams) as never });
  });

  onAction('team-create', async (actor, body, _value, client) => {
    const { team, members } = await stakeholderTeamForm(ctx, actor, null);
    await client.views.push({
      trigger_id: body.trigger_id,
      view: stakeholderTeamEditModal(team, members) as never,
    });
  });

  onAction('team-menu', async (actor, body, value, client) => {
    const [verb, ...rest] = value.split(':');
    const { team, members } = await stakeholderTeamForm(ctx, actor, rest.join(':'));
    if (!team) return;
    const view =
      verb === 'delete'
        ? stakeholderTeamDeleteModal(team, members.length)
        : stakeholderTeamEditModal(team, members);
    await client.views.push({ trigger_id: body.trigger_id, view: view as never });
  });

  // One listener for every action (see `exactly`).
  app.action<BlockAction>(exactly(runs.keys()), async ({ ack, body, action, client }) => {
    await ack();
    const { action_id: actionId } = action;
    const value =
      'value' in action && typeof action.value === 'string'
        ? action.value
        : 'selected_option' in action && action.selected_option
          ? (action.selected_option.value ?? '')
          : '';
    try {
      await runs.get(actionId)!(await deps.identity.actor(body.user.id), body, value, client);
    } catch (err) {
      // A refused button press changes nothing; the person sees the modal not open.
      if (isHeraldError(err))
        deps.logger.info({ code: err.code, actionId }, 'slack: action refused');
      else deps.logger.error({ err, actionId }, 'slack: action failed');
    }
  });
}
