import { eq } from 'drizzle-orm';
import type { SettingsRepo } from '../../src/ports.js';
import type { Db } from '../client.js';
import { settings } from '../schema.js';

export class SqliteSettingsRepo implements SettingsRepo {
  constructor(private readonly db: Db) {}

  get(key: string): string | null {
    return this.db.select().from(settings).where(eq(settings.key, key)).get()?.value ?? null;
  }

  set(key: string, value: string): void {
    this.db
      .insert(settings)
      .values({ key, value })
      .onConflictDoUpdate({ target: settings.key, set: { value } })
      .run();
  }
}
