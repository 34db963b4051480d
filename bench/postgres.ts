import pg from 'pg';
import { createPool, openPostgres } from '../db/postgres.js';
import { startPostgres } from '../test/support/postgres.js';
import type { Cleanup } from './cleanup.js';
import type { BenchDatabase } from './database.js';
import { OutboxReader } from './outbox.js';
import { seedPopulation } from './seed.js';

const SEEDED = 'herald';
const COPY = 'herald_fan_out';

/** `?` placeholders, as the outbox reader writes them, to PostgreSQL's `$1, $2, …`. */
const numbered = (text: string): string => {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
};

/**
 * An embedded PostgreSQL server for the run (its binaries come with `npm install`), stopped and
 * removed by the clean-up; Herald's database on it is migrated and seeded in place, and copied with
 * `CREATE DATABASE … TEMPLATE …`.
 */
export async function postgresDatabase(cleanup: Cleanup): Promise<BenchDatabase> {
  const server = await startPostgres();
  cleanup.add(() => server.stop());
  const admin = async <R extends pg.QueryResultRow>(text: string): Promise<R[]> => {
    const client = new pg.Client({ connectionString: server.url() });
    await client.connect();
    try {
      return (await client.query<R>(text)).rows;
    } finally {
      await client.end();
    }
  };
  const [version] = await admin<{ server_version: string }>('SHOW server_version');
  const url = await server.createDatabase(SEEDED);
  const open = async (at: string, migrate: boolean) =>
    (await openPostgres({ url: at, poolSize: 2, migrate })).executor;
  return {
    label: `PostgreSQL ${version?.server_version ?? '?'}`,
    env: { DATABASE_URL: url },
    async seed(pop, connectorUrl, register) {
      const db = await open(url, true);
      try {
        return await seedPopulation(db, pop, connectorUrl, register);
      } finally {
        await db.close();
      }
    },
    async withCopy(fn) {
      // A template must have no other connection: the seeding's is closed by now.
      const db = await open(await server.createDatabase(COPY, SEEDED), false);
      try {
        return await fn(db);
      } finally {
        await db.close();
        await admin(`DROP DATABASE "${COPY}"`);
      }
    },
    openOutbox() {
      const pool = createPool({ url, poolSize: 2 });
      cleanup.add(() => pool.end());
      return Promise.resolve(
        new OutboxReader(
          async <R>(text: string, params: readonly unknown[]) =>
            (await pool.query(numbered(text), [...params])).rows as R[],
        ),
      );
    },
  };
}
