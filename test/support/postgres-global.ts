import type { TestProject } from 'vitest/node';
import { openPostgres } from '../../db/postgres.js';
import { startPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The URL of the shared test server's `postgres` database; see `freshPostgres`. */
    postgresUrl: string;
  }
}

/** The database every test database is copied from: Herald's migrations, applied once. */
export const TEMPLATE = 'herald_template';

/**
 * One PostgreSQL server for the whole run (started in half a second or so), with a template
 * database holding Herald's schema: a test's own database is a copy of it, made in milliseconds.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  const templateUrl = await server.createDatabase(TEMPLATE);
  const { executor } = await openPostgres({ url: templateUrl, poolSize: 2, migrate: true });
  await executor.close();
  project.provide('postgresUrl', server.url());
  return () => server.stop();
}
