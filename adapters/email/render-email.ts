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
 * incident, or `null` to leave it out.
 */
export function renderEmail(payload: EventPayload, unsubscribeUrl: string | null): RenderedEmail {
  const view = emailView(payload, unsubscribeUrl);
  return { subject: view.subject, text: textBody(view), html: htmlBody(view) };
}
