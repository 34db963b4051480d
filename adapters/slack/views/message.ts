import type { EventPayload } from '../../../src/domain/types.js';
import { inertText } from '../../../src/text/inert-text.js';
import { clip, escapeSlack, md, plain } from '../escape.js';

/** User text for Slack: no mention (escaped), no link (broken for the linkifier). */
const user = (text: string): string => escapeSlack(inertText(text));

const HEADLINE: Record<EventPayload['kind'], string> = {
  subscribed: 'You are now following this incident',
  update: 'Status update',
  resolved: 'Resolved',
  reminder: 'Reminder: stakeholders have not heard from you',
};

const when = (at: number) => new Date(at).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

/** The plain-text fallback: notifications, screen readers and clients without Block Kit. */
export function notificationText(p: EventPayload): string {
  const i = p.incident;
  const lead = `[${p.kind === 'subscribed' ? i.severity : HEADLINE[p.kind]}] #${i.id} ${i.title}`;
  return user(clip(p.text ? `${lead} — ${p.text}` : lead, 3000));
}

/** Block Kit for one stakeholder notification: the incident facts of PRODUCT §3 and the event. */
export function notificationBlocks(p: EventPayload): object[] {
  const i = p.incident;
  const blocks: object[] = [
    { type: 'header', text: plain(inertText(`#${i.id} ${i.title}`), 150) },
    {
      type: 'section',
      fields: [
        md(`*Status*\n${i.status === 'resolved' ? 'Resolved' : 'Open'}`),
        md(`*Severity*\n${i.severity}`),
        md(`*Service*\n${i.service ? user(i.service) : '—'}`),
        md(`*${HEADLINE[p.kind]}*\n${when(p.at)}`),
      ],
    },
  ];
  if (i.summary) blocks.push({ type: 'section', text: md(`*Impact*\n${user(i.summary)}`) });
  const event =
    p.kind === 'update'
      ? p.text
      : p.kind === 'resolved'
        ? (p.text ?? 'The incident is resolved.')
        : p.kind === 'reminder'
          ? (p.text ??
            `No stakeholder update on #${i.id} for a while: post one with /incident notify ${i.id} <text>.`)
          : null;
  if (event) blocks.push({ type: 'section', text: md(user(event)) });
  blocks.push({
    type: 'context',
    elements: [
      md(
        `${p.by ? `From ${user(p.by)} · ` : ''}Herald — ${
          p.kind === 'reminder'
            ? `you declared #${i.id}.`
            : `you get this because you follow #${i.id}.`
        }`,
      ),
    ],
  });
  return blocks;
}
