import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A folder of generated migrations. They sit beside this file in the source tree (run by tsx);
 * the build (`dist/db/`) compiles TypeScript only and copies no SQL, so from there the source
 * folder is used: one copy of the migrations, never a stale one.
 */
export function migrationsFolder(name: 'migrations' | 'migrations-postgres'): string {
  const beside = fileURLToPath(new URL(`./${name}`, import.meta.url));
  if (existsSync(beside)) return beside;
  return fileURLToPath(new URL(`../../db/${name}`, import.meta.url));
}
