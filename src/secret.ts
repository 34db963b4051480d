import { randomBytes } from 'node:crypto';
import type { SettingsRepo } from './ports.js';

/**
 * `HERALD_SECRET`, or one generated on first start and kept in the database so links survive
 * restarts. Processes starting together on one database agree on the first one stored.
 */
export async function heraldSecret(
  configured: string | null,
  settings: SettingsRepo,
): Promise<string> {
  if (configured) return configured;
  const stored = await settings.get('herald_secret');
  if (stored) return stored;
  return settings.setIfAbsent('herald_secret', randomBytes(32).toString('base64url'));
}
