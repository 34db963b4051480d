import { z } from 'zod';
import type { PreferencesView } from '../../src/actions/set-preferences.js';
import { CHANNELS, type Channel } from '../../src/domain/types.js';
import { card, text, type AdaptiveCard } from './card.js';
import { escapeMarkdown } from './escape.js';

/** The `verb` of the card's submit actions: what routes a submit back to the preferences handler. */
export const SAVE_PREFERENCES = 'herald.savePreferences';

const LABEL: Record<Channel, string> = { slack: 'Slack', teams: 'Teams', email: 'Email' };
const inputId = (c: Channel) => `channel_${c}`;

/**
 * The preferences form: one toggle per channel Herald has turned on (and any already chosen),
 * "Save" and "Use the default". The submit carries the person's id so an admin's card for someone
 * else saves theirs; `setPreferences` decides whether the submitter may.
 */
export function preferencesCard(
  view: PreferencesView,
  enabled: ReadonlySet<Channel>,
): AdaptiveCard {
  const shown = CHANNELS.filter((c) => enabled.has(c) || view.channels.includes(c));
  const whose = view.person.displayName;
  const toggles = shown.map((c) => ({
    type: 'Input.Toggle',
    id: inputId(c),
    title: view.reachable.includes(c)
      ? LABEL[c]
      : `${LABEL[c]} (not reachable yet: falls back to email)`,
    value: view.channels.includes(c) ? 'true' : 'false',
    valueOn: 'true',
    valueOff: 'false',
  }));
  const data = { verb: SAVE_PREFERENCES, personId: view.person.id };
  return card(
    [
      text(escapeMarkdown(`Where Herald tells ${whose} about incidents`), {
        weight: 'Bolder',
        size: 'Medium',
      }),
      text(
        `Now: ${view.channels.map((c) => LABEL[c]).join(', ')}${view.explicit ? '' : ' (the default)'}. Pick one or more and save.`,
        { isSubtle: true, spacing: 'Small' },
      ),
      ...toggles,
    ],
    {
      actions: [
        { type: 'Action.Submit', title: 'Save', style: 'positive', data },
        { type: 'Action.Submit', title: 'Use the default', data: { ...data, reset: true } },
      ],
      fallbackText: 'Your Teams client cannot show this form: use /stakeholders prefs in Slack.',
    },
  );
}

const toggle = z.enum(['true', 'false']).optional();

const submission = z.object({
  verb: z.literal(SAVE_PREFERENCES),
  personId: z.coerce.number().int().positive(),
  reset: z
    .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])
    .optional(),
  ...Object.fromEntries(CHANNELS.map((c) => [inputId(c), toggle])),
});

/** What a submitted preferences card asks for: a person and their channels, or `null` (default). */
export interface PreferencesSubmission {
  personId: number;
  channels: Channel[] | null;
}

/** Reads a card submit's `value`; null when it is not a well-formed preferences submit. */
export function parsePreferencesSubmission(value: unknown): PreferencesSubmission | null {
  const parsed = submission.safeParse(value);
  if (!parsed.success) return null;
  const v = parsed.data as Record<string, unknown> & { personId: number; reset?: boolean };
  if (v.reset) return { personId: v.personId, channels: null };
  return { personId: v.personId, channels: CHANNELS.filter((c) => v[inputId(c)] === 'true') };
}
