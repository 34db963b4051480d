import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { TEMPLATE } from './postgres-global.js';

/**
 * A new database on the run's PostgreSQL server, with Herald's schema already migrated (a copy of
 * the template); returns its URL. Each test gets its own, so tests never see each other's rows.
 */
export async function freshPostgres(): Promise<string> {
  const base = inject('postgresUrl');
  const name = `herald_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}" TEMPLATE "${TEMPLATE}"`);
  } finally {
    await client.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}
