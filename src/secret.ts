import { randomBytes } from 'node:crypto';
import type { SettingsRepo } from './ports.js';

/** `HERALD_SECRET`, or one generated on first start and kept in the database so links survive restarts. */
export function heraldSecret(configured: string | null, settings: SettingsRepo): string {
  if (configured) return configured;
  const stored = settings.get('herald_secret');
  if (stored) return stored;
  const generated = randomBytes(32).toString('base64url');
  settings.set('herald_secret', generated);
  return generated;
}
