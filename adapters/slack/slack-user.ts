import { z } from 'zod';
import type { SlackProfile } from '../../src/actions/identify-person.js';

/** The fields of Slack's user object Herald reads (`users.info`, the `user_change` event). */
const slackUser = z
  .object({
    id: z.string().min(1),
    name: z.string().optional(),
    real_name: z.string().optional(),
    deleted: z.boolean().optional(),
    is_bot: z.boolean().optional(),
    is_app_user: z.boolean().optional(),
    is_restricted: z.boolean().optional(),
    is_ultra_restricted: z.boolean().optional(),
    profile: z
      .object({
        email: z.string().optional(),
        display_name: z.string().optional(),
        real_name: z.string().optional(),
      })
      .loose()
      .optional(),
  })
  .loose();

/**
 * A Slack user object as Herald's profile, or null when it is not one (no id). Guests (single- and
 * multi-channel) are stakeholders; Slackbot is not counted as a bot.
 */
export function toSlackProfile(raw: unknown): SlackProfile | null {
  const parsed = slackUser.safeParse(raw);
  if (!parsed.success) return null;
  const u = parsed.data;
  return {
    userId: u.id,
    displayName: u.profile?.display_name || u.real_name || u.profile?.real_name || u.name || u.id,
    email: u.profile?.email ?? null,
    isGuest: Boolean(u.is_restricted || u.is_ultra_restricted),
    isBot: Boolean(u.is_bot || u.is_app_user) && u.id !== 'USLACKBOT',
    deleted: Boolean(u.deleted),
  };
}
