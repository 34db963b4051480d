import type { HeraldError } from '../../src/errors.js';
import { isHeraldError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { escapeSlack } from './escape.js';

/** The ephemeral text for a failed command: the coded message, or a generic line for a bug. */
export function errorText(err: unknown, logger: Logger): string {
  if (isHeraldError(err)) return escapeSlack(err.message);
  logger.error({ err }, 'slack: command failed');
  return 'Something went wrong on Herald’s side; nothing was changed. Please try again.';
}

/** Modal field errors (`response_action: errors`) keyed by the block that holds the field. */
export function fieldErrors(
  err: HeraldError,
  blocks: Record<string, string>,
  fallback: string,
): Record<string, string> {
  const block = (err.field && blocks[err.field]) || fallback;
  return { [block]: err.message };
}
