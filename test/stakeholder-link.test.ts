import { describe, expect, it } from 'vitest';
import { signIncidentLink, verifyIncidentLink, LINK_TTL_MS } from '../src/stakeholder-link.js';
import { signUnsubscribeToken } from '../src/unsubscribe-token.js';

const SECRET = 's'.repeat(32);
const NOW = Date.UTC(2026, 11, 2);

describe('the personal incident link', () => {
  it('names its person and incident until it expires, 30 days on', () => {
    const token = signIncidentLink(SECRET, { personId: 7, incidentId: 42 }, NOW);
    expect(verifyIncidentLink(SECRET, token, NOW)).toEqual({ personId: 7, incidentId: 42 });
    expect(verifyIncidentLink(SECRET, token, NOW + LINK_TTL_MS - 1000)).toEqual({
      personId: 7,
      incidentId: 42,
    });
    expect(verifyIncidentLink(SECRET, token, NOW + LINK_TTL_MS + 1000)).toBeNull();
  });

  it('is refused when tampered, signed with another secret, or an unsubscribe token', () => {
    const token = signIncidentLink(SECRET, { personId: 7, incidentId: 42 }, NOW);
    const flipped = `${token.slice(0, 3)}${token[3] === 'A' ? 'B' : 'A'}${token.slice(4)}`;
    expect(verifyIncidentLink(SECRET, flipped, NOW)).toBeNull();
    expect(verifyIncidentLink('t'.repeat(32), token, NOW)).toBeNull();
    const unsubscribe = signUnsubscribeToken(SECRET, { personId: 7, incidentId: 42 });
    expect(verifyIncidentLink(SECRET, unsubscribe, NOW)).toBeNull();
    expect(verifyIncidentLink(SECRET, `${token}x`, NOW)).toBeNull();
    expect(verifyIncidentLink(SECRET, 42, NOW)).toBeNull();
  });
});
