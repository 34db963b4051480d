import { listTeams } from '../../../src/actions/manage-teams.js';
import { listRules } from '../../../src/actions/manage-rules.js';
import type { Reply } from '../../../src/commands/execute.js';
import type { Person } from '../../../src/domain/types.js';
import type { Client, SlackDeps } from '../deps.js';
import { declareModal, preferencesModal, subscribeModal, updateModal } from '../views/modals.js';
import { rulesModal } from '../views/rules.js';
import { teamsModal } from '../views/teams.js';

type ModalReply = Extract<Reply, { kind: 'modal' }>;

/** Builds the view for a modal reply. */
export function viewFor(deps: SlackDeps, actor: Person, reply: ModalReply): object {
  switch (reply.modal) {
    case 'declare':
      return declareModal(reply.title);
    case 'subscribe':
      return subscribeModal(reply.incident, listTeams(deps.ctx, actor));
    case 'update':
      return updateModal(reply.incident, reply.audience);
    case 'teams':
      return teamsModal(listTeams(deps.ctx, actor));
    case 'preferences':
      return preferencesModal(reply.preferences);
    case 'rules':
      return rulesModal(listRules(deps.ctx, actor), listTeams(deps.ctx, actor));
  }
}

/** Opens the modal a command asked for; Slack's trigger id is valid for three seconds. */
export async function openModal(
  client: Client,
  triggerId: string,
  deps: SlackDeps,
  actor: Person,
  reply: ModalReply,
): Promise<void> {
  await client.views.open({ trigger_id: triggerId, view: viewFor(deps, actor, reply) as never });
}
