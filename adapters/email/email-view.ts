import type { EventPayload, Severity } from '../../src/domain/types.js';
import { inertText } from '../../src/text/inert-text.js';
import { bodyText, headerText } from './header-text.js';
import { emailSubject } from './subject.js';

/** What one email says, shared by its text and HTML parts so the two never drift apart. */
export interface EmailView {
  subject: string;
  /** `#42 Checkout errors for EU customers`. */
  heading: string;
  /** Short name of the event, shown as a badge: Subscribed, Update, Resolved, Reminder. */
  label: string;
  /** Badge colour. */
  accent: string;
  /** One sentence saying what happened and who did it. */
  lead: string;
  /** The update text, the resolution note or the reminder's words; `null` when there is none. */
  body: string | null;
  /** Caption of `body`, when it needs one. */
  bodyLabel: string | null;
  facts: ReadonlyArray<readonly [label: string, value: string]>;
  summary: string | null;
  /** Where the reader stops these mails; `null` when a link would promise what it cannot do. */
  unsubscribeUrl: string | null;
  /** The reader's personal link to the incident's page ("View incident"); `null` for none. */
  viewUrl: string | null;
  /** Why the reader gets this mail. */
  reason: string;
}

const SEVERITY_COLOURS: Record<Severity, string> = {
  SEV1: '#c9372c',
  SEV2: '#e56910',
  SEV3: '#0c66e4',
  SEV4: '#626f86',
};

/** `2026-11-26 12:00 UTC`: readers sit in many time zones, so one unambiguous zone. */
export function formatUtc(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * Builds the view of one event. User text gets its links broken here (mail clients linkify bare
 * URLs and addresses) and is escaped by each part's renderer; the subject is built apart.
 */
export function emailView(
  payload: EventPayload,
  unsubscribeUrl: string | null,
  viewUrl: string | null = null,
): EmailView {
  const { incident } = payload;
  const by = payload.by ? inertText(headerText(payload.by, 100)) : null;
  const text = payload.text ? inertText(bodyText(payload.text).trim()) : '';
  const body = text === '' ? null : text;
  const event = describeEvent(payload.kind, by, incident.severity);
  return {
    subject: emailSubject(payload),
    heading: `#${incident.id} ${inertText(headerText(incident.title))}`,
    ...event,
    body,
    bodyLabel: body && payload.kind === 'resolved' ? 'Resolution note' : null,
    facts: [
      ['Status', incident.status === 'resolved' ? 'Resolved' : 'Open'],
      ['Severity', incident.severity],
      ['Service', incident.service ? inertText(headerText(incident.service)) : 'not set'],
      [payload.kind === 'subscribed' ? 'Subscribed at' : 'Time', formatUtc(payload.at)],
    ],
    summary: incident.summary.trim() === '' ? null : inertText(bodyText(incident.summary).trim()),
    unsubscribeUrl,
    viewUrl,
    reason:
      payload.kind === 'reminder'
        ? `You receive this because you declared incident #${incident.id}.`
        : `You receive this because you are subscribed to incident #${incident.id}.`,
  };
}

function describeEvent(
  kind: EventPayload['kind'],
  by: string | null,
  severity: Severity,
): Pick<EmailView, 'label' | 'accent' | 'lead'> {
  switch (kind) {
    case 'subscribed':
      return {
        label: 'Subscribed',
        accent: SEVERITY_COLOURS[severity],
        lead: `You have been subscribed to updates on this incident${by ? ` by ${by}` : ''}.`,
      };
    case 'update':
      return {
        label: 'Update',
        accent: '#0c66e4',
        lead: `New status update${by ? ` from ${by}` : ''}:`,
      };
    case 'resolved':
      return {
        label: 'Resolved',
        accent: '#1f845a',
        lead: `This incident has been resolved${by ? ` by ${by}` : ''}.`,
      };
    case 'reminder':
      return {
        label: 'Reminder',
        accent: '#626f86',
        lead: 'Stakeholders are waiting for an update on this open incident.',
      };
  }
}
