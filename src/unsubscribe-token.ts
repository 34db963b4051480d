/**
 * Signed one-click unsubscribe tokens (PRODUCT §2, RFC 8058): whoever holds the link may stop the
 * mail of one incident for one person, with no login. The token is the authority, so it is a
 * signature over exactly that pair and nothing else (see `signed-token.ts`): about 26 characters
 * for small ids, short enough for a `List-Unsubscribe` header line.
 */
import { signValues, verifyValues } from './signed-token.js';

/** Whom and what a token lets its holder unsubscribe. */
export interface UnsubscribeSubject {
  personId: number;
  incidentId: number;
}

const PURPOSE = 'unsubscribe';

/** Signs a token for `subject` with `secret` (`HERALD_SECRET` or the generated one). */
export function signUnsubscribeToken(secret: string, subject: UnsubscribeSubject): string {
  return signValues(secret, PURPOSE, [subject.personId, subject.incidentId]);
}

/**
 * The subject of a genuine token, or `null` for anything else (tampered, signed with another secret,
 * truncated, not base64url). The MAC is compared in constant time.
 */
export function verifyUnsubscribeToken(secret: string, token: unknown): UnsubscribeSubject | null {
  const values = verifyValues(secret, PURPOSE, 2, token);
  if (!values) return null;
  const [personId = 0, incidentId = 0] = values;
  return { personId, incidentId };
}
