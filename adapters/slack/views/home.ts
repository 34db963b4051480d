import type { Incident } from '../../../src/domain/types.js';
import { literal, md, plain } from '../escape.js';

/**
 * App Home: a stakeholder's subscribed incidents, or the open ones with actions for a responder.
 * Each incident is `plain_text`: its title and summary show exactly as typed.
 */
export function homeView(incidents: readonly Incident[], responder: boolean) {
  const heading = responder ? 'Open incidents' : 'Incidents you follow';
  const rows = incidents.slice(0, 30).flatMap((i) => {
    const text = literal(
      `#${i.id} ${i.title}\n${i.severity}${i.service ? ` · ${i.service}` : ''} · ${i.status}` +
        (i.summary ? `\n${i.summary}` : ''),
    );
    const section = { type: 'section', block_id: `incident-${i.id}`, text };
    if (!responder || i.status !== 'open') return [section];
    return [
      section,
      {
        type: 'actions',
        block_id: `incident-actions-${i.id}`,
        elements: [
          {
            type: 'button',
            action_id: 'home-update',
            text: plain('Post update'),
            value: String(i.id),
          },
          {
            type: 'button',
            action_id: 'home-subscribe',
            text: plain('Subscribe stakeholders'),
            value: String(i.id),
          },
          {
            type: 'button',
            action_id: 'home-resolve',
            text: plain('Resolve'),
            style: 'danger',
            value: String(i.id),
          },
        ],
      },
    ];
  });
  return {
    type: 'home' as const,
    blocks: [
      { type: 'header', text: plain(heading, 150) },
      ...(rows.length
        ? rows
        : [
            {
              type: 'section',
              text: md(
                responder
                  ? 'No open incidents. Declare one with `/incident new`.'
                  : 'You are not following any incident.',
              ),
            },
          ]),
      {
        type: 'context',
        elements: [md('Herald keeps stakeholders informed. Type `/incident help` for commands.')],
      },
    ],
  };
}
