import { executeCommand, type CommandContext, type Reply } from '../../src/commands/execute.js';
import type { Person } from '../../src/domain/types.js';
import { HeraldError } from '../../src/errors.js';
import { parsePreferencesSubmission } from './preferences-card.js';

/**
 * Saves a submitted preferences card: the command `/stakeholders prefs set` is, for the person the
 * card names. Whether the submitter may is the core's to say, before it looks anyone up.
 * @throws HeraldError `INVALID_INPUT` for a malformed submit or no channel chosen.
 */
export function savePreferences(
  ctx: CommandContext,
  actor: Person,
  value: unknown,
): Promise<Reply> {
  const submission = parsePreferencesSubmission(value);
  if (!submission) {
    throw new HeraldError(
      'INVALID_INPUT',
      'That form is out of date: type preferences for a new one.',
    );
  }
  return executeCommand(
    ctx,
    actor,
    {
      root: 'stakeholders',
      name: 'prefs-set',
      channels: submission.channels,
      target: { kind: 'person', personId: submission.personId },
    },
    'teams',
  );
}
