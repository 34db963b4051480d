import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const FORBIDDEN =
  /from\s+['"]((?:\.\.\/)+(?:adapters|db)\/[^'"]*|@slack\/[^'"]*|@microsoft\/[^'"]*|botbuilder[^'"]*|drizzle-orm[^'"]*|better-sqlite3|nodemailer|express)['"]|import\(\s*['"](@slack|@microsoft|botbuilder|drizzle-orm|nodemailer)/g;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('dependencies point inward (ARCHITECTURE.md)', () => {
  it('src/ imports no adapter, no db, no platform SDK, drizzle or nodemailer (src/main.ts aside)', () => {
    const leaks = sources(join(root, 'src'))
      .filter((f) => relative(root, f) !== join('src', 'main.ts'))
      .flatMap((f) =>
        [...readFileSync(f, 'utf8').matchAll(FORBIDDEN)].map(
          (m) => `${relative(root, f)}: ${m[0]}`,
        ),
      );
    expect(leaks).toEqual([]);
  });

  it('the check itself catches a leak', () => {
    expect("import { App } from '@slack/bolt';".match(FORBIDDEN)).not.toBeNull();
    expect("import { x } from '../../db/store.js';".match(FORBIDDEN)).not.toBeNull();
    expect("import { x } from './ports.js';".match(FORBIDDEN)).toBeNull();
  });
});
