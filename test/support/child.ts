import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const HERALD_ENTRY = 'src/main.ts';
/** What `npm start` runs: `HERALD_ENTRY` compiled by `npm run build`. */
export const HERALD_BUILT_ENTRY = 'dist/src/main.js';

/**
 * The node flags of `npm start` (package.json), read rather than copied so they cannot drift;
 * without `--env-file…`: a child is given its environment explicitly.
 */
export function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as {
    scripts: { start: string };
  };
  const words = pkg.scripts.start.split(/\s+/);
  const end = words.indexOf(HERALD_BUILT_ENTRY);
  if (end < 0) throw new Error(`npm start no longer runs ${HERALD_BUILT_ENTRY}`);
  const flags = words.slice(words.indexOf('node') + 1, end);
  return flags.filter((flag) => !flag.startsWith('--env-file'));
}

/** `npm start`'s flags for `HERALD_ENTRY`: tests and the bench run the source through tsx. */
export function startNodeArgs(): string[] {
  return [...startFlags(), '--import', 'tsx'];
}

/**
 * Herald as `npm start` runs it, in a child process with exactly the given environment: the
 * TypeScript source through tsx, or with `built` the output of `npm run build`.
 */
export function startHeraldProcess(
  env: Record<string, string>,
  { built = false }: { built?: boolean } = {},
): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
} {
  const args = built ? [...startFlags(), HERALD_BUILT_ENTRY] : [...startNodeArgs(), HERALD_ENTRY];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    out += chunk.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const waitFor = (pattern: RegExp, timeoutMs = 15_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = out.match(pattern);
        if (m) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(m);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${String(pattern)}; output so far:\n${out}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  return { child, output: () => out, exited, waitFor };
}
