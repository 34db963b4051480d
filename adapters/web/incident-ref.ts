/**
 * How a page names an incident in its URLs: never the bare number, which anyone could count
 * through, but a token signed for one person and one incident. A session resolves only refs signed
 * for its own person, so a ref copied from someone else's page is worthless to anyone else.
 */
import { signValues, verifyValues } from '../../src/signed-token.js';

const PURPOSE = 'incident-ref';

export const incidentRef = (secret: string, personId: number, incidentId: number): string =>
  signValues(secret, PURPOSE, [personId, incidentId]);

/** The incident a ref names for `personId`; null for a ref of anyone else, or no ref at all. */
export function refIncident(secret: string, personId: number, ref: unknown): number | null {
  const values = verifyValues(secret, PURPOSE, 2, ref);
  if (!values) return null;
  const [owner, incidentId = 0] = values;
  return owner === personId ? incidentId : null;
}
