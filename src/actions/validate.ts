import { z } from 'zod';
import { invalid } from '../errors.js';

/** Parses with zod and turns the first issue into an `INVALID_INPUT` naming the field. */
export function validate<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join('.') || undefined;
  throw invalid(`${field ? `${field}: ` : ''}${issue?.message ?? 'invalid input'}`, field);
}

const singleLine = (max: number) =>
  z
    .string()
    .transform((s) => s.replace(/\s+/g, ' ').trim())
    .pipe(z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`));

export const title = singleLine(200);
export const serviceName = singleLine(100);
export const longText = (max: number) =>
  z
    .string()
    .transform((s) => s.trim())
    .pipe(z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`));
export const optionalLongText = (max: number) =>
  z
    .string()
    .transform((s) => s.trim())
    .pipe(z.string().max(max, `must be at most ${max} characters`));

/** Team names are single tokens so they can be typed as `team:<name>`. */
export const teamName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'use letters, digits, "-", "_" or "." (at most 64)');

export const email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email('is not a valid email address').max(254));
