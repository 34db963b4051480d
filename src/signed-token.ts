/**
 * Short signed tokens carrying a few positive integers: the authority behind the links Herald puts
 * in messages (one-click unsubscribe, the stakeholder page). A token names exactly its integers,
 * under one purpose, and nothing else.
 *
 * Layout, base64url without padding: `version (1 byte) | each integer as a varint | HMAC-SHA256
 * over purpose and payload, truncated to 16 bytes`. 128 bits of MAC are far beyond what an online
 * guesser can try against an HTTP endpoint.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const VERSION = 1;
const MAC_BYTES = 16;
/** Varints of safe integers fit in 8 bytes (53 bits / 7 per byte). */
const MAX_VARINT_BYTES = 8;
/** Longer than any token we issue; refuses junk before decoding it. */
const MAX_TOKEN_CHARS = 96;

function mac(secret: string, purpose: string, payload: Buffer): Buffer {
  return createHmac('sha256', secret)
    .update(`herald/${purpose}\0`)
    .update(payload)
    .digest()
    .subarray(0, MAC_BYTES);
}

const isPositive = (n: number): boolean => Number.isSafeInteger(n) && n > 0;

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
      // A trailing zero group would let two spellings carry one value.
      if (byte === 0 && i > 0) return null;
      return Number.isSafeInteger(value) ? { value, next: at + i + 1 } : null;
    }
    scale *= 0x80;
  }
  return null;
}

/** Signs `values` (positive integers) for `purpose` with `secret`. */
export function signValues(secret: string, purpose: string, values: readonly number[]): string {
  if (!values.every(isPositive)) throw new RangeError('token values must be positive integers');
  const bytes = [VERSION];
  for (const v of values) writeVarint(v, bytes);
  const payload = Buffer.from(bytes);
  return Buffer.concat([payload, mac(secret, purpose, payload)]).toString('base64url');
}

/**
 * The `count` integers of a genuine token for `purpose`, or `null` for anything else (tampered,
 * another purpose or secret, truncated, not base64url). The MAC is compared in constant time.
 */
export function verifyValues(
  secret: string,
  purpose: string,
  count: number,
  token: unknown,
): number[] | null {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS) return null;
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return null;
  const buf = Buffer.from(token, 'base64url');
  // Node's decoder forgives odd lengths; only the one canonical spelling of a token is accepted.
  if (buf.toString('base64url') !== token) return null;
  if (buf[0] !== VERSION) return null;
  const values: number[] = [];
  let at = 1;
  for (let i = 0; i < count; i++) {
    const v = readVarint(buf, at);
    if (!v || !isPositive(v.value)) return null;
    values.push(v.value);
    at = v.next;
  }
  if (buf.length !== at + MAC_BYTES) return null;
  const given = buf.subarray(at);
  return timingSafeEqual(given, mac(secret, purpose, buf.subarray(0, at))) ? values : null;
}
