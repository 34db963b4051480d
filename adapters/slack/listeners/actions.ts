import type { App, BlockAction } from '@slack/bolt';
import { incidentFor, requirePermission } from '../../../src/access.js';
import { showTeam } from '../../../src/actions/manage-teams.js';
import { listRules, removeRule } from '../../../src/actions/manage-rules.js';
import { previewAudience } from '../../../src/actions/preview-audience.js';
import { listTeams } from '../../../src/actions/manage-teams.js';
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
import { teamDeleteModal, teamEditModal } from '../views/teams.js';
import { metadata } from './view-state.js';
import { z } from 'zod';

const incidentMeta = z.object({ incidentId: z.number().int().positive() });

/**
 * Buttons and live inputs: App Home's per-incident buttons open the modals; the team editor's
 * menu pushes the edit or delete view; ticking "Send as update to stakeholders" refreshes the
 * audience preview.
 */
export function registerActions(app: App, deps: SlackDeps): void {
  const { ctx } = deps;

  const onAction = (
    actionId: string,
    run: (actor: Person, body: BlockAction, value: string, client: Client) => Promise<void>,
  ) => {
    app.action<BlockAction>(actionId, async ({ ack, body, action, client }) => {
      await ack();
      const value =
        'value' in action && typeof action.value === 'string'
          ? action.value
          : 'selected_option' in action && action.selected_option
            ? (action.selected_option.value ?? '')
            : '';
      try {
        await run(await deps.identity.actor(body.user.id), body, value, client);
      } catch (err) {
        // A refused button press changes nothing; the person sees the modal not open.
        if (isHeraldError(err))
          deps.logger.info({ code: err.code, actionId }, 'slack: action refused');
        else deps.logger.error({ err, actionId }, 'slack: action failed');
      }
    });
  };

  const openIncidentModal = (kind: 'update' | 'subscribe' | 'resolve') =>
    onAction(`home-${kind}`, async (actor, body, value, client) => {
      const incident = incidentFor(ctx.store, actor, Number(value), 'edit-incident');
      const view =
        kind === 'update'
          ? updateModal(incident, previewAudience(ctx, actor, incident.id))
          : kind === 'subscribe'
            ? subscribeModal(incident, listTeams(ctx, actor))
            : resolveModal(incident);
      await client.views.open({ trigger_id: body.trigger_id, view: view as never });
    });
  openIncidentModal('update');
  openIncidentModal('subscribe');
  openIncidentModal('resolve');

  onAction('notify', async (actor, body, _value, client) => {
    const view = body.view;
    if (!view || view.callback_id !== MODAL.update) return;
    const { incidentId } = metadata(incidentMeta, view.private_metadata) ?? { incidentId: 0 };
    const audience = previewAudience(ctx, actor, incidentId);
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
    removeRule(ctx, actor, Number(value));
    const view = body.view;
    if (view?.callback_id !== RULES_MODAL) return;
    await client.views.update({
      view_id: view.id,
      view: rulesModal(listRules(ctx, actor), listTeams(ctx, actor)) as never,
    });
  });

  onAction('team-create', async (actor, body, _value, client) => {
    requirePermission(actor, 'manage-teams');
    await client.views.push({
      trigger_id: body.trigger_id,
      view: teamEditModal(null, []) as never,
    });
  });

  onAction('team-menu', async (actor, body, value, client) => {
    requirePermission(actor, 'manage-teams');
    const [verb, ...rest] = value.split(':');
    const { team, members } = showTeam(ctx, actor, rest.join(':'));
    const view =
      verb === 'delete' ? teamDeleteModal(team, members.length) : teamEditModal(team, members);
    await client.views.push({ trigger_id: body.trigger_id, view: view as never });
  });
}
