import type { Reply } from '../../../src/commands/execute.js';
import type { Client } from '../deps.js';
import { declareModal, preferencesModal, subscribeModal, updateModal } from '../views/modals.js';
import { rulesModal } from '../views/rules.js';
import { stakeholderTeamsModal } from '../views/stakeholder-teams.js';

type FormReply = Extract<Reply, { kind: 'form' }>;

/** The modal for a form reply: everything it shows came with the reply. */
export function viewFor(reply: FormReply): object {
  switch (reply.form) {
    case 'declare':
      return declareModal(reply.title);
    case 'subscribe':
      return subscribeModal(reply.incident, reply.teams);
    case 'update':
      return updateModal(reply.incident, reply.audience);
    case 'stakeholder-teams':
      return stakeholderTeamsModal(reply.teams);
    case 'preferences':
      return preferencesModal(reply.preferences);
    case 'rules':
      return rulesModal(reply.rules, reply.teams);
  }
}

/** Opens the modal a command asked for; Slack's trigger id is valid for three seconds. */
export async function openModal(
  client: Client,
  triggerId: string,
  reply: FormReply,
): Promise<void> {
  await client.views.open({ trigger_id: triggerId, view: viewFor(reply) as never });
}
