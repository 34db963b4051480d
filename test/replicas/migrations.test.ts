import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { signUnsubscribeToken } from '../../src/unsubscribe-token.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { Fleet } from './harness.js';

// PRODUCT §3, Replicas: replicas starting together on an empty database migrate it once (under an
// advisory lock, db/postgres.ts), each becomes ready, and the once-only secret is generated once.

const journal = JSON.parse(
  readFileSync(new URL('../../db/migrations-postgres/meta/_journal.json', import.meta.url), 'utf8'),
) as { entries: unknown[] };

let server: PostgresServer | undefined;
const fleet = new Fleet();

beforeAll(async () => {
  // A server of this test's own: the run's shared one holds only migrated databases.
  server = await startPostgres();
}, 60_000);
afterEach(() => fleet.killAll());
afterAll(async () => {
  await fleet.killAll();
  await server?.stop();
});

it('three replicas started at once on an empty database: migrations applied once, all ready, one secret', async () => {
  const url = await server!.createDatabase('herald');
  // No HERALD_SECRET: the first replica generates it and the others must use the one stored.
  const replicas = await fleet.start(['r0', 'r1', 'r2'], {
    DATABASE_URL: url,
    REMINDER_MINUTES: '0',
    DELIVERY_LEASE_MS: '3000',
    LOG_LEVEL: 'info',
  });

  for (const r of replicas) {
    const ready = await fetch(`${r.url}/readyz`);
    expect(ready.status, r.name).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  }

  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    // Each migration recorded once.
    const applied = await db.query<{ hash: string }>(
      'SELECT hash FROM drizzle.__drizzle_migrations',
    );
    expect(applied.rows).toHaveLength(journal.entries.length);
    expect(new Set(applied.rows.map((r) => r.hash)).size).toBe(journal.entries.length);

    // Exactly one replica applied them; the others found them applied.
    const counts = replicas.map((r) => Number(/"migrated":(\d+)/.exec(r.output())?.[1] ?? 0));
    expect(counts.filter((n) => n > 0)).toEqual([journal.entries.length]);

    // One secret, and every replica signs and checks with it: a link signed with the stored
    // secret is well-formed on each (404: it names no incident; a wrong secret would give 400).
    const secrets = await db.query<{ value: string }>(
      `SELECT value FROM settings WHERE key = 'herald_secret'`,
    );
    expect(secrets.rows).toHaveLength(1);
    const token = signUnsubscribeToken(secrets.rows[0]!.value, { personId: 1, incidentId: 1 });
    const forged = signUnsubscribeToken('not-the-secret-'.repeat(3), {
      personId: 1,
      incidentId: 1,
    });
    for (const r of replicas) {
      const link = (t: string) => `${r.url}/unsubscribe?token=${encodeURIComponent(t)}`;
      expect((await fetch(link(token))).status, r.name).toBe(404);
      expect((await fetch(link(forged))).status, r.name).toBe(400);
    }
  } finally {
    await db.end();
  }
  for (const r of replicas) expect(r.alive, r.name).toBe(true);
}, 90_000);
