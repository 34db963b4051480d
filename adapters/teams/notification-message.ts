import type { Activity } from 'botbuilder';
import type { EventKind, EventPayload } from '../../src/domain/types.js';
import { attachment, card, fact, text, type CardElement } from './card.js';
import { escapeMarkdown, inertPlain, markdownLines } from './escape.js';

const HEADLINE: Record<EventKind, (id: number) => string> = {
  subscribed: (id) => `You are now following incident #${id}`,
  update: (id) => `Update on incident #${id}`,
  resolved: (id) => `Incident #${id} is resolved`,
  reminder: (id) => `Reminder about incident #${id}`,
};

const TEXT_LABEL: Record<EventKind, string> = {
  subscribed: 'Note',
  update: 'Update',
  resolved: 'Resolution note',
  reminder: 'Reminder',
};

const COLOR: Record<EventKind, string> = {
  subscribed: 'Accent',
  update: 'Accent',
  resolved: 'Good',
  reminder: 'Warning',
};

const utc = (at: number): string =>
  `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

const capitalized = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** The event's facts as plain lines (user text unescaped): the base of every rendering. */
function plainLines(p: EventPayload): string[] {
  const i = p.incident;
  return [
    `${HEADLINE[p.kind](i.id)}${p.by ? ` (from ${p.by})` : ''}`,
    `#${i.id} ${i.title}`,
    `Status: ${capitalized(i.status)} · Severity: ${i.severity}${i.service ? ` · Service: ${i.service}` : ''} · ${utc(p.at)}`,
    `Summary: ${i.summary || '(none yet)'}`,
    ...(p.text ? [`${TEXT_LABEL[p.kind]}: ${p.text}`] : []),
  ];
}

/**
 * The proactive message for one notification (PRODUCT §3): an Adaptive Card with the incident's
 * number, title, status, severity, service, stakeholder summary, the event and its time; a one-line
 * `text` and `summary` for the notification feed and clients without cards, and the whole message
 * as the card's `fallbackText`. Every piece of user text is escaped.
 */
export function notificationMessage(
  p: EventPayload,
  viewUrl: string | null = null,
): Partial<Activity> {
  const i = p.incident;
  const headline = `${HEADLINE[p.kind](i.id)}: ${i.title}`;
  const body: CardElement[] = [
    text(escapeMarkdown(`${HEADLINE[p.kind](i.id)}${p.by ? ` (from ${p.by})` : ''}`), {
      weight: 'Bolder',
      color: COLOR[p.kind],
      size: 'Small',
    }),
    text(escapeMarkdown(`#${i.id} ${i.title}`), {
      size: 'Large',
      weight: 'Bolder',
      spacing: 'Small',
    }),
    {
      type: 'FactSet',
      facts: [
        fact('Status', capitalized(i.status)),
        fact('Severity', i.severity),
        fact('Service', i.service ? escapeMarkdown(i.service) : '—'),
        fact('Time', utc(p.at)),
      ],
    },
    text('Summary', { weight: 'Bolder', spacing: 'Medium' }),
    text(markdownLines(escapeMarkdown(i.summary || '(none yet)')), { spacing: 'Small' }),
    ...(p.text
      ? [
          text(escapeMarkdown(TEXT_LABEL[p.kind]), { weight: 'Bolder', spacing: 'Medium' }),
          text(markdownLines(escapeMarkdown(p.text)), { spacing: 'Small' }),
        ]
      : []),
  ];
  const fallbackText = markdownLines(escapeMarkdown(plainLines(p).join('\n')));
  return {
    type: 'message',
    text: escapeMarkdown(headline),
    summary: inertPlain(headline),
    attachments: [
      attachment(
        card(body, {
          fallbackText,
          // The reader's personal link to the incident's page: Herald's URL, no user text.
          ...(viewUrl
            ? { actions: [{ type: 'Action.OpenUrl', title: 'View incident', url: viewUrl }] }
            : {}),
        }),
      ),
    ],
  };
}
