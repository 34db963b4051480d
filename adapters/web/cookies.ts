/**
 * The pages' cookies and the CSRF tokens bound to them. The session cookie is `HttpOnly` and
 * `SameSite=Lax` (a link from a mail is a top-level GET, so it arrives signed in; a form posted
 * from another site does not), and `Secure` with the `__Host-` prefix when `PUBLIC_URL` is https.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

export interface CookieNames {
  session: string;
  /** Binds the CSRF token of the one form shown before any session ("email me a new link"). */
  form: string;
  /** The reader's chosen time zone. */
  timeZone: string;
}

export function cookieNames(secure: boolean): CookieNames {
  // `__Host-` cookies must be Secure, Path=/ and host-only: no subdomain can set or shadow them.
  const prefix = secure ? '__Host-' : '';
  return {
    session: `${prefix}herald_session`,
    form: `${prefix}herald_form`,
    timeZone: `${prefix}herald_tz`,
  };
}

/** The cookies a request carries; the first of a repeated name wins. */
export function readCookies(req: Request): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    const name = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    // Values we set are base64url or a time zone name: nothing else is ours.
    if (!cookies.has(name) && /^[A-Za-z0-9_+/-]{1,100}$/.test(value)) cookies.set(name, value);
  }
  return cookies;
}

export function setCookie(
  res: Response,
  name: string,
  value: string,
  opts: { secure: boolean; maxAgeSeconds: number },
): void {
  const parts = [
    `${name}=${value}`,
    'Path=/',
    `Max-Age=${opts.maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(opts.secure ? ['Secure'] : []),
  ];
  res.append('Set-Cookie', parts.join('; '));
}

export const clearCookie = (res: Response, name: string, secure: boolean): void =>
  setCookie(res, name, '', { secure, maxAgeSeconds: 0 });

/** A fresh random value for the form cookie. */
export const randomValue = (): string => randomBytes(24).toString('base64url');

/** The CSRF token of forms shown to the holder of `binding` (a session id or the form cookie). */
export const csrfToken = (secret: string, binding: string): string =>
  createHmac('sha256', secret).update('herald/csrf\0').update(binding).digest('base64url');

/** Whether `given` is the CSRF token for `binding`, compared in constant time. */
export function csrfValid(secret: string, binding: string | null, given: unknown): boolean {
  if (!binding || typeof given !== 'string') return false;
  const expected = Buffer.from(csrfToken(secret, binding));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
