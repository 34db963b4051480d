/**
 * The personal link every stakeholder message carries to its incident's page (PRODUCT §6): bound
 * to one person and one incident, and good for 30 days. Opening it starts that person's session.
 */
import { signValues, verifyValues } from './signed-token.js';

export const LINK_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const PURPOSE = 'incident-link';
/** Where a link is opened, under `PUBLIC_URL`. */
export const LINK_PATH = '/my/link/';

export interface LinkSubject {
  personId: number;
  incidentId: number;
}

/** Signs a link token for `subject`, expiring `LINK_TTL_MS` after `now`. */
export function signIncidentLink(secret: string, subject: LinkSubject, now: number): string {
  const expires = Math.ceil((now + LINK_TTL_MS) / 1000);
  return signValues(secret, PURPOSE, [subject.personId, subject.incidentId, expires]);
}

/** The subject of a genuine link token that has not expired at `now`; null for anything else. */
export function verifyIncidentLink(
  secret: string,
  token: unknown,
  now: number,
): LinkSubject | null {
  const values = verifyValues(secret, PURPOSE, 3, token);
  if (!values) return null;
  const [personId = 0, incidentId = 0, expires = 0] = values;
  return expires * 1000 > now ? { personId, incidentId } : null;
}

/** Makes the absolute link for a person and incident: what messengers put in each message. */
export type IncidentLinker = (subject: LinkSubject) => string;

export const incidentLinker =
  (secret: string, publicUrl: string, now: () => number): IncidentLinker =>
  (subject) =>
    `${publicUrl}${LINK_PATH}${signIncidentLink(secret, subject, now())}`;

/**
 * The "View incident" link a notification carries to its reader, or null: none without a linker,
 * and none in a reminder, which goes to the declarer whether or not they follow the incident.
 */
export function messageLink(
  linker: IncidentLinker | null | undefined,
  job: { person: { id: number }; event: { incidentId: number; kind: string } },
): string | null {
  if (!linker || job.event.kind === 'reminder') return null;
  return linker({ personId: job.person.id, incidentId: job.event.incidentId });
}
