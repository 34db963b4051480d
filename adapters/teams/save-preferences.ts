import { setPreferences } from '../../src/actions/set-preferences.js';
import type { ActionContext } from '../../src/actions/context.js';
import { requirePermission } from '../../src/access.js';
import * as replies from '../../src/commands/replies.js';
import type { Person } from '../../src/domain/types.js';
import { HeraldError } from '../../src/errors.js';
import { parsePreferencesSubmission } from './preferences-card.js';
import { textReply, type TeamsReply } from './teams-reply.js';

/**
 * Saves a submitted preferences card. The person comes from the card, the permission from the
 * core: a forged `personId` gets "not allowed" unless the submitter is an admin.
 * @throws HeraldError `INVALID_INPUT` for a malformed submit or no channel chosen.
 */
export function savePreferences(ctx: ActionContext, actor: Person, value: unknown): TeamsReply {
  const submission = parsePreferencesSubmission(value);
  if (!submission) {
    throw new HeraldError(
      'INVALID_INPUT',
      'That form is out of date: type preferences for a new one.',
    );
  }
  // The permission before the lookup: whoever may not change someone else's preferences gets the
  // same "not allowed" for any id, and so cannot tell which ids are people.
  if (submission.personId !== actor.id) requirePermission(actor, 'others-preferences');
  const target =
    submission.personId === actor.id ? actor : ctx.store.people.byId(submission.personId);
  if (!target)
    throw new HeraldError('PERSON_NOT_FOUND', 'That person is no longer known to Herald.');
  const view = setPreferences(ctx, actor, submission.channels, target);
  return textReply(`Saved. ${replies.preferencesText(view)}`);
}
