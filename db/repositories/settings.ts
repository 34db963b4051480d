import { sql } from 'drizzle-orm';
import type { SettingsRepo } from '../../src/ports.js';
import type { Executor } from '../executor.js';

export class SqlSettingsRepo implements SettingsRepo {
  constructor(private readonly db: Executor) {}

  async get(key: string): Promise<string | null> {
    const row = await this.db.get<{ value: string }>(
      sql`SELECT value FROM settings WHERE key = ${key}`,
    );
    return row?.value ?? null;
  }

  async set(key: string, value: string): Promise<void> {
    await this.db.run(
      sql`INSERT INTO settings (key, value) VALUES (${key}, ${value})
          ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    );
  }

  async setIfAbsent(key: string, value: string): Promise<string> {
    await this.db.run(
      sql`INSERT INTO settings (key, value) VALUES (${key}, ${value}) ON CONFLICT (key) DO NOTHING`,
    );
    const stored = await this.get(key);
    if (stored === null) throw new Error(`settings: ${key} vanished right after it was set`);
    return stored;
  }
}
