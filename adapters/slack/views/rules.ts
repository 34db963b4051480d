import type { RuleView } from '../../../src/actions/manage-rules.js';
import { ruleLine } from '../../../src/commands/replies.js';
import type { StakeholderTeam } from '../../../src/domain/types.js';
import { SEVERITIES } from '../../../src/domain/types.js';
import { literal, md, plain } from '../escape.js';

export const RULES_MODAL = 'herald-rules';

/**
 * The admin rules modal: every rule with a Remove button, and a form to add one (service and/or
 * severities → people and teams). Submitting adds the rule.
 */
export function rulesModal(rules: readonly RuleView[], teams: readonly StakeholderTeam[]) {
  const listed = rules.slice(0, 40).map((r) => ({
    type: 'section',
    block_id: `rule-${r.id}`,
    text: literal(`${r.id}. ${ruleLine(r)}`),
    accessory: {
      type: 'button',
      action_id: 'rule-remove',
      text: plain('Remove'),
      style: 'danger',
      value: String(r.id),
      confirm: {
        title: plain('Remove rule?'),
        text: plain(`Rule ${r.id} will no longer subscribe anyone to new incidents.`),
        confirm: plain('Remove'),
        deny: plain('Keep'),
      },
    },
  }));
  return {
    type: 'modal' as const,
    callback_id: RULES_MODAL,
    title: plain('Auto-subscription', 24),
    submit: plain('Add rule', 24),
    close: plain('Close', 24),
    blocks: [
      ...(listed.length ? listed : [{ type: 'section', text: md('No rules yet.') }]),
      { type: 'divider' },
      { type: 'header', text: plain('New rule') },
      {
        type: 'input',
        block_id: 'service',
        optional: true,
        label: plain('When the service is'),
        element: { type: 'plain_text_input', action_id: 'service', max_length: 100 },
      },
      {
        type: 'input',
        block_id: 'severities',
        optional: true,
        label: plain('And the severity is one of'),
        element: {
          type: 'multi_static_select',
          action_id: 'severities',
          options: SEVERITIES.map((s) => ({ text: plain(s), value: s })),
        },
      },
      {
        type: 'input',
        block_id: 'people',
        optional: true,
        label: plain('Subscribe these people'),
        element: { type: 'multi_users_select', action_id: 'people' },
      },
      ...(teams.length
        ? [
            {
              type: 'input',
              block_id: 'teams',
              optional: true,
              label: plain('And these stakeholder teams'),
              element: {
                type: 'multi_static_select',
                action_id: 'teams',
                options: teams
                  .slice(0, 100)
                  .map((t) => ({ text: plain(t.name, 75), value: t.name })),
              },
            },
          ]
        : []),
    ],
  };
}
