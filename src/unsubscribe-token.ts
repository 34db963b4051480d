/**
 * Signed one-click unsubscribe tokens (PRODUCT §2, RFC 8058): whoever holds the link may stop the
 * mail of one incident for one person, with no login. The token is the authority, so it is an HMAC
 * over exactly that pair and nothing else.
 *
 * Layout, base64url without padding: `version (1 byte) | personId (varint) | incidentId (varint) |
 * HMAC-SHA256 truncated to 16 bytes`. About 26 characters for small ids, so the link stays short
 * enough for a `List-Unsubscribe` header line. 128 bits of MAC are far beyond what an online guesser
 * can try against an HTTP endpoint.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Whom and what a token lets its holder unsubscribe. */
export interface UnsubscribeSubject {
  personId: number;
  incidentId: number;
}

const VERSION = 1;
const MAC_BYTES = 16;
/** Varints of safe integers fit in 8 bytes (53 bits / 7 per byte). */
const MAX_VARINT_BYTES = 8;
/** Longer than any token we issue; refuses junk before decoding it. */
const MAX_TOKEN_CHARS = 64;
/** Separates these MACs from any other use of the same secret. */
const DOMAIN = 'herald/unsubscribe\0';

function mac(secret: string, payload: Buffer): Buffer {
  return createHmac('sha256', secret)
    .update(DOMAIN)
    .update(payload)
    .digest()
    .subarray(0, MAC_BYTES);
}

function isId(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0;
}

function writeVarint(n: number, out: number[]): void {
  let rest = n;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}

/** Reads one varint at `at`; `null` when truncated, too long or not in its shortest form. */
function readVarint(buf: Buffer, at: number): { value: number; next: number } | null {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < MAX_VARINT_BYTES && at + i < buf.length; i++) {
    const byte = buf[at + i] ?? 0;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      // A trailing zero group would let two spellings carry one id.
      if (byte === 0 && i > 0) return null;
      return Number.isSafeInteger(value) ? { value, next: at + i + 1 } : null;
    }
    scale *= 0x80;
  }
  return null;
}

/** Signs a token for `subject` with `secret` (`HERALD_SECRET` or the generated one). */
export function signUnsubscribeToken(secret: string, subject: UnsubscribeSubject): string {
  if (!isId(subject.personId) || !isId(subject.incidentId)) {
    throw new RangeError('personId and incidentId must be positive integers');
  }
  const bytes = [VERSION];
  writeVarint(subject.personId, bytes);
  writeVarint(subject.incidentId, bytes);
  const payload = Buffer.from(bytes);
  return Buffer.concat([payload, mac(secret, payload)]).toString('base64url');
}

/**
 * The subject of a genuine token, or `null` for anything else (tampered, signed with another secret,
 * truncated, not base64url). The MAC is compared in constant time.
 */
export function verifyUnsubscribeToken(secret: string, token: unknown): UnsubscribeSubject | null {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS) return null;
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return null;
  const buf = Buffer.from(token, 'base64url');
  // Node's decoder forgives odd lengths; only the one canonical spelling of a token is accepted.
  if (buf.toString('base64url') !== token) return null;
  if (buf[0] !== VERSION) return null;
  const person = readVarint(buf, 1);
  if (!person) return null;
  const incident = readVarint(buf, person.next);
  if (!incident || buf.length !== incident.next + MAC_BYTES) return null;
  const payload = buf.subarray(0, incident.next);
  const given = buf.subarray(incident.next);
  if (!timingSafeEqual(given, mac(secret, payload))) return null;
  if (!isId(person.value) || !isId(incident.value)) return null;
  return { personId: person.value, incidentId: incident.value };
}
