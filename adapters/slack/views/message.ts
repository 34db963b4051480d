import type { EventPayload } from '../../../src/domain/types.js';
import { inertText } from '../../../src/text/inert-text.js';
import { clip, escapeSlack, literal, md } from '../escape.js';

/** Text for a stakeholder, who did not type it: literal, and with links broken as well. */
const shown = (text: string, max?: number) => literal(inertText(text), max);

const HEADLINE: Record<EventPayload['kind'], string> = {
  subscribed: 'You are now following this incident',
  update: 'Status update',
  resolved: 'Resolved',
  reminder: 'Reminder: stakeholders have not heard from you',
};

const when = (at: number) => new Date(at).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

/**
 * The fallback `text`: notifications, screen readers and clients without Block Kit. User text in
 * it is escaped (no mention), link-broken and free of controls.
 */
export function notificationText(p: EventPayload): string {
  const i = p.incident;
  const lead = `[${p.kind === 'subscribed' ? i.severity : HEADLINE[p.kind]}] #${i.id} ${i.title}`;
  return escapeSlack(inertText(clip(p.text ? `${lead} — ${p.text}` : lead, 3000)));
}

/**
 * Block Kit for one stakeholder notification: the incident facts of PRODUCT §3 and the event.
 * Every block that holds user text is `plain_text`, so it shows exactly as typed. `viewUrl`, the
 * reader's personal link to the incident's page, is the one `mrkdwn` block: Herald's own words
 * and URL (a link rather than a URL button, which would post an interaction Herald has no use for).
 */
export function notificationBlocks(p: EventPayload, viewUrl: string | null = null): object[] {
  const { before, after } = notificationParts(p);
  return viewUrl ? [...before, viewLinkBlock(viewUrl), ...after] : [...before, ...after];
}

/**
 * The blocks of {@link notificationBlocks} that are the same for every reader of an event, split
 * where the reader's own link goes: a fan-out renders them once per event, not once per person.
 */
export function notificationParts(p: EventPayload): { before: object[]; after: object[] } {
  const i = p.incident;
  const before: object[] = [
    { type: 'header', text: shown(`#${i.id} ${i.title}`, 150) },
    {
      type: 'section',
      fields: [
        shown(`Status\n${i.status === 'resolved' ? 'Resolved' : 'Open'}`),
        shown(`Severity\n${i.severity}`),
        shown(`Service\n${i.service ?? '—'}`, 2000),
        shown(`${HEADLINE[p.kind]}\n${when(p.at)}`),
      ],
    },
  ];
  if (i.summary) before.push({ type: 'section', text: shown(`Impact\n${i.summary}`) });
  const event =
    p.kind === 'update'
      ? p.text
      : p.kind === 'resolved'
        ? (p.text ?? 'The incident is resolved.')
        : p.kind === 'reminder'
          ? (p.text ??
            `No stakeholder update on #${i.id} for a while: post one with /incident notify ${i.id} <text>.`)
          : null;
  if (event) before.push({ type: 'section', text: shown(event) });
  const after: object[] = [
    {
      type: 'context',
      elements: [
        shown(
          `${p.by ? `From ${p.by} · ` : ''}Herald — ${
            p.kind === 'reminder'
              ? `you declared #${i.id}.`
              : `you get this because you follow #${i.id}.`
          }`,
        ),
      ],
    },
  ];
  return { before, after };
}

/** The reader's "View incident" link: the message's one `mrkdwn` block, Herald's words only. */
export const viewLinkBlock = (viewUrl: string): object => ({
  type: 'section',
  text: md(`*<${escapeSlack(viewUrl)}|View incident>*`),
});
