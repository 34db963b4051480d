import type { Person, StakeholderTeam } from '../../../src/domain/types.js';
import { literal, md, plain } from '../escape.js';
import { MODAL } from './modals.js';

/** The admin team editor: every team with Edit and Delete, and a Create button. */
export function stakeholderTeamsModal(
  teams: ReadonlyArray<StakeholderTeam & { memberCount: number }>,
) {
  const rows = teams.slice(0, 45).flatMap((t) => [
    {
      type: 'section',
      block_id: `team-${t.id}`,
      text: literal(
        `${t.name} · ${t.memberCount} member${t.memberCount === 1 ? '' : 's'}${
          t.description ? `\n${t.description}` : ''
        }`,
      ),
      accessory: {
        type: 'overflow',
        action_id: 'team-menu',
        options: [
          { text: plain('Edit'), value: `edit:${t.name}` },
          { text: plain('Delete'), value: `delete:${t.name}` },
        ],
      },
    },
  ]);
  return {
    type: 'modal' as const,
    callback_id: MODAL.stakeholderTeams,
    title: plain('Stakeholder teams', 24),
    close: plain('Close', 24),
    blocks: [
      ...(rows.length > 0 ? rows : [{ type: 'section', text: md('No stakeholder teams yet.') }]),
      {
        type: 'actions',
        block_id: 'team-actions',
        elements: [
          {
            type: 'button',
            action_id: 'team-create',
            text: plain('Create team'),
            style: 'primary',
            value: 'create',
          },
        ],
      },
    ],
  };
}

/** Create (no team) or edit a team: name, description, Slack members and email-only members. */
export function stakeholderTeamEditModal(team: StakeholderTeam | null, members: readonly Person[]) {
  const slackIds = members.flatMap((m) => (m.slackUserId ? [m.slackUserId] : []));
  const emails = members.filter((m) => !m.slackUserId && m.email).map((m) => m.email);
  return {
    type: 'modal' as const,
    callback_id: MODAL.stakeholderTeamEdit,
    title: plain(team ? 'Edit team' : 'Create team', 24),
    submit: plain('Save', 24),
    close: plain('Back', 24),
    private_metadata: JSON.stringify({ team: team?.name ?? null }),
    blocks: [
      {
        type: 'input',
        block_id: 'name',
        label: plain('Name'),
        hint: plain('One word; responders type it as team:<name>.'),
        element: {
          type: 'plain_text_input',
          action_id: 'name',
          max_length: 64,
          ...(team ? { initial_value: team.name } : {}),
        },
      },
      {
        type: 'input',
        block_id: 'description',
        optional: true,
        label: plain('Description'),
        element: {
          type: 'plain_text_input',
          action_id: 'description',
          max_length: 500,
          ...(team?.description ? { initial_value: team.description } : {}),
        },
      },
      {
        type: 'input',
        block_id: 'members',
        optional: true,
        label: plain('Members in Slack'),
        element: {
          type: 'multi_users_select',
          action_id: 'members',
          ...(slackIds.length ? { initial_users: slackIds } : {}),
        },
      },
      {
        type: 'input',
        block_id: 'emails',
        optional: true,
        label: plain('Members by email'),
        hint: plain('People outside Slack; separate with spaces or commas.'),
        element: {
          type: 'plain_text_input',
          action_id: 'emails',
          multiline: true,
          ...(emails.length ? { initial_value: emails.join(', ') } : {}),
        },
      },
    ],
  };
}

export function stakeholderTeamDeleteModal(team: StakeholderTeam, memberCount: number) {
  return {
    type: 'modal' as const,
    callback_id: MODAL.stakeholderTeamDelete,
    title: plain('Delete team', 24),
    submit: plain('Delete', 24),
    close: plain('Back', 24),
    private_metadata: JSON.stringify({ team: team.name }),
    blocks: [
      {
        type: 'section',
        text: literal(
          `Delete team:${team.name} (${memberCount} member${memberCount === 1 ? '' : 's'})? ` +
            'Incidents it was subscribed to stop reaching its members; the people themselves are kept.',
        ),
      },
    ],
  };
}
