/**
 * `npm run db:backup -- <file>`: a consistent copy of Herald's SQLite database, taken with SQLite's
 * online backup while Herald keeps running. Reads `DATABASE_PATH` (and `.env`) like Herald does.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

const source = process.env.DATABASE_PATH?.trim() || './data/herald.db';
const target = process.argv[2];

if (!target) {
  console.error('usage: npm run db:backup -- <backup file>');
  process.exit(2);
}
if (!existsSync(source)) {
  console.error(`db:backup: DATABASE_PATH="${source}" does not exist`);
  process.exit(1);
}
if (existsSync(target)) {
  console.error(`db:backup: ${target} already exists; choose a new file`);
  process.exit(1);
}
mkdirSync(dirname(target), { recursive: true });
const db = new Database(source, { readonly: true, fileMustExist: true });
try {
  await db.backup(target);
  console.log(`db:backup: ${source} → ${target}`);
} finally {
  db.close();
}
