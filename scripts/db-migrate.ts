/**
 * `npm run db:migrate`: applies the database migrations and exits — for operators who migrate as
 * a step of their own before starting (or rolling) Herald. Herald applies them at start as well;
 * on PostgreSQL under an advisory lock, so this and starting replicas never migrate twice.
 */
import { openDatabase } from '../db/open.js';
import { loadConfig } from '../src/config.js';

try {
  const config = loadConfig(process.env);
  const { db, migrated, where } = await openDatabase(config);
  await db.close();
  console.log(`db:migrate: ${where}: ${migrated > 0 ? `${migrated} applied` : 'up to date'}`);
} catch (err) {
  console.error(`db:migrate: ${(err as Error).message}`);
  process.exit(1);
}
