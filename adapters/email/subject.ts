import type { EventPayload } from '../../src/domain/types.js';
import { headerText } from './header-text.js';

/**
 * The subject line: `[SEV1] #42 Title` when someone is subscribed (the severity is what a new reader
 * needs first), `[Update] #42 Title`, `[Resolved] #42 Title`, `[Reminder] #42 Title`. Always one
 * sanitized line, whatever the title holds.
 */
export function emailSubject(payload: EventPayload): string {
  const { incident } = payload;
  const tag =
    payload.kind === 'subscribed'
      ? incident.severity
      : payload.kind === 'update'
        ? 'Update'
        : payload.kind === 'resolved'
          ? 'Resolved'
          : 'Reminder';
  return headerText(`[${tag}] #${incident.id} ${headerText(incident.title)}`, 250);
}
