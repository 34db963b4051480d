import type { EventPayload } from '../../src/domain/types.js';
import { emailView } from './email-view.js';
import { htmlBody } from './html-body.js';
import { textBody } from './text-body.js';

/** A rendered email: a one-line subject and both parts. */
export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/**
 * Renders one notification event. `unsubscribeUrl` is the one-click link for this reader and
 * incident, `viewUrl` their personal link to its page; `null` leaves either out.
 */
export function renderEmail(
  payload: EventPayload,
  unsubscribeUrl: string | null,
  viewUrl: string | null = null,
): RenderedEmail {
  const view = emailView(payload, unsubscribeUrl, viewUrl);
  return { subject: view.subject, text: textBody(view), html: htmlBody(view) };
}
