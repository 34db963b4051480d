import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openSqlite } from '../../db/client.js';
import { SqlDeliveryQueue } from '../../db/delivery-queue.js';
import type { SqliteExecutor } from '../../db/sqlite-executor.js';
import { seedPendingDeliveries } from '../support/outbox-fixture.js';
import { CONCURRENCY } from './fixtures/crash-config.js';

// Nothing is lost when the process is killed at any point (PRODUCT §3): a worker is SIGKILLed
// mid-fan-out, a new one finishes the job, and at most the claims in flight are sent twice.

const TOTAL = 1_000;
const KILL_AFTER = 300;
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const workerScript = fileURLToPath(new URL('./fixtures/crash-worker.ts', import.meta.url));

let dir: string;
let db: SqliteExecutor;
let server: Server;
let sinkUrl: string;
const children: ChildProcess[] = [];
/** Every key the sink received, duplicates included, in arrival order. */
let received: string[];
let onReceive: (count: number) => void;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'herald-crash-'));
  db = openSqlite(join(dir, 'herald.db'));
  received = [];
  onReceive = () => {};
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push(body);
      onReceive(received.length);
      // A slow-ish platform, so the fan-out is still under way when the worker is killed.
      setTimeout(() => res.end('ok'), 2);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sinkUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/deliver`;
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

function startWorker(): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', workerScript, join(dir, 'herald.db'), sinkUrl],
    { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  children.push(child);
  return child;
}

/** Polls until `done()`; fails fast if the child dies on its own, and after `timeoutMs`. */
async function waitFor(
  done: () => boolean | Promise<boolean>,
  what: string,
  child: ChildProcess,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (child.exitCode !== null)
      throw new Error(`worker exited (${child.exitCode}) before ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

it('a worker killed mid-fan-out loses nothing and duplicates at most its claims in flight', async () => {
  seedPendingDeliveries(db, TOTAL, 'slack', Date.now());
  const queue = new SqlDeliveryQueue(db);

  const first = startWorker();
  const killed = new Promise<void>((resolve) => first.once('exit', () => resolve()));
  // Kill from inside the sink's handler: the count at the kill is exact, not a polling artefact.
  onReceive = (count) => {
    if (count === KILL_AFTER) first.kill('SIGKILL');
  };
  await waitFor(() => received.length >= KILL_AFTER, `${KILL_AFTER} deliveries`, first);
  await killed;
  expect(first.signalCode).toBe('SIGKILL');
  const atKill = await queue.counts();
  expect(atKill.sent).toBeLessThan(TOTAL);
  // Claims the dead worker held: only their leases expiring brings them back.
  expect(atKill.sending).toBeGreaterThan(0);

  const second = startWorker();
  await waitFor(
    async () => (await queue.counts()).sent === TOTAL,
    'every delivery to be sent',
    second,
  );

  const distinct = new Set(received);
  const keys = db.sqlite
    .prepare("SELECT event_id || ':' || person_id || ':' || channel AS k FROM deliveries")
    .pluck()
    .all();
  expect(distinct).toEqual(new Set(keys));
  expect(await queue.counts()).toMatchObject({ sent: TOTAL, pending: 0, sending: 0, retrying: 0 });
  expect(received.length - TOTAL).toBeLessThanOrEqual(CONCURRENCY);
});
