import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The official schemas live beside the repository (`../shared/specs`, or `HERALD_SPECS_DIR`), never
 * in it. Only the conformance checks that need them step aside on a clone without the folder.
 */
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const specsDir = process.env.HERALD_SPECS_DIR ?? resolve(repoRoot, '..', 'shared', 'specs');
export const specsAvailable = existsSync(specsDir);
export const specsMissingReason = `official specs not found at ${specsDir} (set HERALD_SPECS_DIR)`;

/** Parsed JSON of one spec file; throws with the folder named when it is missing. */
export function readSpec<T = unknown>(file: string): T {
  if (!specsAvailable) throw new Error(specsMissingReason);
  return JSON.parse(readFileSync(join(specsDir, file), 'utf8')) as T;
}
