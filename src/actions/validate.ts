import { z } from 'zod';
import { invalid } from '../errors.js';
import { cleanText } from '../text/inert-text.js';

/** What a person calls each input, for messages such as "Update text must not be empty." */
const LABELS: Record<string, string> = {
  title: 'Title',
  summary: 'Summary',
  severity: 'Severity',
  severities: 'Severities',
  service: 'Service',
  source: 'Source',
  externalKey: 'External key',
  text: 'Update text',
  note: 'Resolution note',
  name: 'Team name',
  description: 'Description',
  email: 'Email address',
};

/** The label of a path's first key: `severities.0` is about the severities. */
const labelOf = (path: string): string => {
  const field = path.split('.')[0] ?? path;
  return LABELS[field] ?? `${field.charAt(0).toUpperCase()}${field.slice(1)}`;
};

/** "Title must …" reads on; any other message (zod's own) follows a colon. */
const sentence = (label: string, message: string): string =>
  `${label}${/^(must|is)\b/.test(message) ? ' ' : ': '}${message.replace(/\.$/, '')}.`;

/**
 * Parses with zod and turns the first issue into an `INVALID_INPUT` naming the input in words
 * ("Update text must be at most 3000 characters.") with `field` as its key. `field` names a
 * schema that is not an object (one text); for an object the issue's path names it.
 */
export function validate<T>(schema: z.ZodType<T>, input: unknown, field?: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = issue?.path.map(String).join('.') || field;
  const message = issue?.message ?? 'is not valid';
  throw invalid(key ? sentence(labelOf(key), message) : sentence('Input', message), key);
}

/**
 * User text as the core keeps it: newlines normalized, control characters and bidi overrides
 * dropped (they would make text read otherwise than it is), so no surface can show them.
 * Formatting characters stay: every surface shows user text as typed.
 */
const clean = z.string().transform(cleanText);

const singleLine = (max: number) =>
  clean
    .transform((s) => s.replace(/\s+/g, ' ').trim())
    .pipe(z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`));

/** The core's limits, in characters (code points, as zod counts them). */
export const MAX = { title: 200, service: 100, text: 3000 } as const;

export const title = singleLine(MAX.title);
export const serviceName = singleLine(MAX.service);
export const longText = (max: number) =>
  clean
    .transform((s) => s.trim())
    .pipe(z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`));
export const optionalLongText = (max: number) =>
  clean.transform((s) => s.trim()).pipe(z.string().max(max, `must be at most ${max} characters`));

/** Team names are single tokens so they can be typed as `team:<name>`. */
export const teamName = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    'must be letters, digits, "-", "_" or "." (at most 64)',
  );

export const email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email('is not a valid email address').max(254));
