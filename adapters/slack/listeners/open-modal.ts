import { listTeams } from '../../../src/actions/manage-teams.js';
import type { Reply } from '../../../src/commands/execute.js';
import type { Person } from '../../../src/domain/types.js';
import type { Client, SlackDeps } from '../deps.js';
import { declareModal, preferencesModal, subscribeModal, updateModal } from '../views/modals.js';
import { teamsModal } from '../views/teams.js';

type ModalReply = Extract<Reply, { kind: 'modal' }>;

/** Builds the view for a modal reply, or `null` when Slack has no such form (answered as text). */
export function viewFor(deps: SlackDeps, actor: Person, reply: ModalReply): object | null {
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
      return null;
  }
}

/** Opens the modal a command asked for; Slack's trigger id is valid for three seconds. */
export async function openModal(
  client: Client,
  triggerId: string,
  deps: SlackDeps,
  actor: Person,
  reply: ModalReply,
): Promise<boolean> {
  const view = viewFor(deps, actor, reply);
  if (!view) return false;
  await client.views.open({ trigger_id: triggerId, view: view as never });
  return true;
}
