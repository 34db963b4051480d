/**
 * Times on the pages. Without script the server cannot know the reader's zone, so the reader
 * chooses it once ("How to reach me"; a cookie remembers it) and every time is formatted here, in
 * that zone, inside `<time datetime="…UTC…">`. Until they choose: UTC, said so.
 */
import { escapeHtml } from '../html.js';

export const DEFAULT_ZONE = 'UTC';

/** Every IANA zone this Node knows, for the chooser; UTC first. */
export const TIME_ZONES: readonly string[] = [
  DEFAULT_ZONE,
  ...Intl.supportedValuesOf('timeZone').filter((z) => z !== DEFAULT_ZONE),
];
const KNOWN = new Set(TIME_ZONES);

/** The zone named, when it is one we know; the default otherwise. */
export const zoneOf = (name: unknown): string =>
  typeof name === 'string' && KNOWN.has(name) ? name : DEFAULT_ZONE;

export const isZone = (name: unknown): name is string =>
  typeof name === 'string' && KNOWN.has(name);

const formats = new Map<string, Intl.DateTimeFormat>();

/** `26 Nov 2026, 13:05 CET`. */
export function formatTime(at: number, zone: string): string {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    formats.set(zone, format);
  }
  return format.format(new Date(at));
}

/** `<time datetime="2026-11-26T12:05:00.000Z">26 Nov 2026, 13:05 CET</time>`. */
export const timeElement = (at: number, zone: string): string =>
  `<time datetime="${new Date(at).toISOString()}">${escapeHtml(formatTime(at, zone))}</time>`;
