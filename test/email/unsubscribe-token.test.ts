import { describe, expect, it } from 'vitest';
import { signUnsubscribeToken, verifyUnsubscribeToken } from '../../src/unsubscribe-token.js';

const SECRET = 'a-secret-of-some-thirty-two-chars';

describe('unsubscribe tokens', () => {
  it('round-trips person × incident, compact and URL-safe', () => {
    for (const subject of [
      { personId: 1, incidentId: 1 },
      { personId: 127, incidentId: 128 },
      { personId: 4_000_000, incidentId: 42 },
      { personId: Number.MAX_SAFE_INTEGER, incidentId: Number.MAX_SAFE_INTEGER },
    ]) {
      const token = signUnsubscribeToken(SECRET, subject);
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(verifyUnsubscribeToken(SECRET, token)).toEqual(subject);
    }
    expect(signUnsubscribeToken(SECRET, { personId: 7, incidentId: 42 })).toHaveLength(26);
  });

  it('is deterministic and distinct per person and per incident', () => {
    const t = (personId: number, incidentId: number) =>
      signUnsubscribeToken(SECRET, { personId, incidentId });
    expect(t(3, 9)).toBe(t(3, 9));
    expect(new Set([t(3, 9), t(9, 3), t(3, 10), t(4, 9)]).size).toBe(4);
  });

  it('rejects every single-character change', () => {
    const token = signUnsubscribeToken(SECRET, { personId: 3, incidentId: 9 });
    for (let i = 0; i < token.length; i++) {
      for (const c of ['A', 'z', '0', '-', '_']) {
        if (token[i] === c) continue;
        const tampered = `${token.slice(0, i)}${c}${token.slice(i + 1)}`;
        expect(verifyUnsubscribeToken(SECRET, tampered)).toBeNull();
      }
    }
  });

  it('rejects a token signed with another secret', () => {
    const token = signUnsubscribeToken('another-installation-secret', {
      personId: 3,
      incidentId: 9,
    });
    expect(verifyUnsubscribeToken(SECRET, token)).toBeNull();
  });

  it('rejects garbage without throwing', () => {
    const token = signUnsubscribeToken(SECRET, { personId: 3, incidentId: 9 });
    for (const garbage of [
      undefined,
      null,
      42,
      ['a', 'b'],
      { token },
      '',
      'x',
      '....',
      `${token}=`, // padding: not the canonical spelling
      `${token}A`, // one character too many
      token.slice(0, -1),
      token.slice(0, 4),
      `${token} `,
      'A'.repeat(10_000),
      Buffer.from([1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]).toString('base64url'),
      Buffer.from([2, 3, 9, ...new Array<number>(16).fill(0)]).toString('base64url'),
    ]) {
      expect(verifyUnsubscribeToken(SECRET, garbage)).toBeNull();
    }
  });

  it('refuses to sign ids that are not positive integers', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 60]) {
      expect(() => signUnsubscribeToken(SECRET, { personId: bad, incidentId: 1 })).toThrow(
        RangeError,
      );
    }
  });
});
