import type { PreferencesView } from '../../../src/actions/set-preferences.js';
import { audiencePhrase } from '../../../src/commands/replies.js';
import type { Channel, Incident, StakeholderTeam } from '../../../src/domain/types.js';
import { SEVERITIES } from '../../../src/domain/types.js';
import type { FanOutSummary } from '../../../src/notify/fan-out.js';
import { escapeSlack, literal, md, plain } from '../escape.js';
import { cleanText } from '../../../src/text/inert-text.js';
import { clipText } from '../../../src/text/clip-text.js';

/** Callback ids of Herald's modals, shared by the builders and the listeners. */
export const MODAL = {
  declare: 'herald-declare',
  subscribe: 'herald-subscribe',
  update: 'herald-update',
  resolve: 'herald-resolve',
  preferences: 'herald-preferences',
  stakeholderTeams: 'herald-teams',
  stakeholderTeamEdit: 'herald-team-edit',
  stakeholderTeamDelete: 'herald-team-delete',
} as const;

const modal = (
  callbackId: string,
  title: string,
  blocks: object[],
  meta: object = {},
  submit = 'Save',
) => ({
  type: 'modal' as const,
  callback_id: callbackId,
  title: plain(title, 24),
  submit: plain(submit, 24),
  close: plain('Cancel', 24),
  private_metadata: JSON.stringify(meta),
  blocks,
});

const textInput = (
  blockId: string,
  label: string,
  opts: {
    multiline?: boolean;
    optional?: boolean;
    initial?: string;
    max?: number;
    hint?: string;
    placeholder?: string;
  } = {},
) => ({
  type: 'input',
  block_id: blockId,
  optional: opts.optional ?? false,
  label: plain(label, 2000),
  ...(opts.hint ? { hint: plain(opts.hint, 2000) } : {}),
  element: {
    type: 'plain_text_input',
    action_id: blockId,
    multiline: opts.multiline ?? false,
    ...(opts.max ? { max_length: opts.max } : {}),
    ...(opts.initial ? { initial_value: clipText(cleanText(opts.initial), opts.max ?? 3000) } : {}),
    ...(opts.placeholder ? { placeholder: plain(opts.placeholder, 150) } : {}),
  },
});

const incidentContext = (i: Incident) => ({
  type: 'context',
  elements: [literal(`#${i.id} ${i.title} · ${i.severity}${i.service ? ` · ${i.service}` : ''}`)],
});

export function declareModal(title: string | null) {
  return modal(
    MODAL.declare,
    'Declare an incident',
    [
      textInput('title', 'Title', {
        initial: title ?? undefined,
        max: 200,
        placeholder: 'Checkout errors for EU customers',
      }),
      textInput('summary', 'Stakeholder summary', {
        multiline: true,
        optional: true,
        max: 3000,
        hint: 'Plain words about the impact: stakeholders see this in every message.',
      }),
      {
        type: 'input',
        block_id: 'severity',
        label: plain('Severity'),
        element: {
          type: 'static_select',
          action_id: 'severity',
          initial_option: { text: plain('SEV3'), value: 'SEV3' },
          options: SEVERITIES.map((s) => ({ text: plain(s), value: s })),
        },
      },
      textInput('service', 'Service', { optional: true, max: 100 }),
    ],
    {},
    'Declare',
  );
}

export function subscribeModal(incident: Incident, teams: readonly StakeholderTeam[]) {
  const blocks: object[] = [
    incidentContext(incident),
    textInput('summary', 'Stakeholder summary', {
      multiline: true,
      max: 3000,
      initial: incident.summary || incident.title,
      hint: 'Shown in every message stakeholders get. Say what is affected, in plain words.',
    }),
    {
      type: 'input',
      block_id: 'people',
      optional: true,
      label: plain('People'),
      element: {
        type: 'multi_users_select',
        action_id: 'people',
        placeholder: plain('Choose people'),
      },
    },
  ];
  if (teams.length > 0) {
    blocks.push({
      type: 'input',
      block_id: 'teams',
      optional: true,
      label: plain('Stakeholder teams'),
      element: {
        type: 'multi_static_select',
        action_id: 'teams',
        placeholder: plain('Choose teams'),
        options: teams.slice(0, 100).map((t) => ({ text: plain(t.name, 75), value: t.name })),
      },
    });
  }
  blocks.push(
    textInput('emails', 'Email addresses', {
      optional: true,
      multiline: true,
      max: 3000,
      hint: 'For people outside Slack and Teams; separate with spaces or commas.',
    }),
  );
  return modal(
    MODAL.subscribe,
    'Subscribe stakeholders',
    blocks,
    { incidentId: incident.id },
    'Subscribe',
  );
}

/** The live preview line of the update modal. */
export const audienceBlock = (notify: boolean, audience: FanOutSummary) => ({
  type: 'context',
  block_id: 'audience',
  elements: [
    md(
      notify
        ? escapeSlack(audiencePhrase(audience))
        : 'Internal update: stakeholders are not notified. Tick the box to send it to them.',
    ),
  ],
});

export const NOTIFY_OPTION = { text: plain('Send as update to stakeholders'), value: 'notify' };

export function updateModal(
  incident: Incident,
  audience: FanOutSummary,
  notify = false,
  text?: string,
) {
  return modal(
    MODAL.update,
    'Status update',
    [
      incidentContext(incident),
      textInput('text', 'Update', { multiline: true, max: 3000, initial: text }),
      {
        type: 'input',
        block_id: 'notify',
        optional: true,
        dispatch_action: true,
        label: plain('Audience'),
        element: {
          type: 'checkboxes',
          action_id: 'notify',
          options: [NOTIFY_OPTION],
          ...(notify ? { initial_options: [NOTIFY_OPTION] } : {}),
        },
      },
      audienceBlock(notify, audience),
    ],
    { incidentId: incident.id, audience },
    'Post',
  );
}

export function resolveModal(incident: Incident) {
  return modal(
    MODAL.resolve,
    'Resolve incident',
    [
      incidentContext(incident),
      textInput('note', 'Resolution note', {
        multiline: true,
        optional: true,
        max: 3000,
        hint: 'Sent to every stakeholder with the resolution.',
      }),
    ],
    { incidentId: incident.id },
    'Resolve',
  );
}

const CHANNEL_LABEL: Record<Channel, string> = {
  slack: 'Slack DM',
  teams: 'Microsoft Teams DM',
  email: 'Email',
};

export function preferencesModal(p: PreferencesView) {
  const option = (c: Channel) => ({
    text: plain(CHANNEL_LABEL[c]),
    value: c,
    ...(p.reachable.includes(c)
      ? {}
      : { description: plain('Not reachable yet: falls back to email') }),
  });
  return modal(
    MODAL.preferences,
    'Notification channels',
    [
      {
        type: 'section',
        text: literal(`How should Herald tell ${p.person.displayName} about incidents?`),
      },
      {
        type: 'input',
        block_id: 'channels',
        label: plain('Channels'),
        element: {
          type: 'checkboxes',
          action_id: 'channels',
          options: (['slack', 'teams', 'email'] as const).map(option),
          initial_options: p.channels.map(option),
        },
      },
    ],
    { personId: p.person.id },
  );
}

/** What a modal shows after a successful submission: the command's reply, as plain text. */
export function doneModal(title: string, text: string) {
  return {
    type: 'modal' as const,
    title: plain(title, 24),
    close: plain('Done', 24),
    blocks: [{ type: 'section', text: literal(text) }],
  };
}
