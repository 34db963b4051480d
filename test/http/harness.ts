import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIntakeDoor } from '../../adapters/http/index.js';
import { loadConfig } from '../../src/config.js';
import type { DeliveryJob, Messenger } from '../../src/delivery/ports.js';
import { silentLogger } from '../../src/logger.js';
import { startHerald, type Herald } from '../../src/main.js';
import { sqliteOf } from '../support/outbox-fixture.js';

export const TOKEN = 'intake-token-0123456789abcdef';

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface CallOptions {
  /** JSON-encoded unless `raw` is given. */
  body?: unknown;
  /** Sent as is (malformed JSON, oversized bodies). */
  raw?: string;
  contentType?: string;
  /** `null` sends no Authorization header. */
  token?: string | null;
}

/** A real Herald with only the intake door, on loopback, and an email messenger that records. */
export interface ApiHarness {
  herald: Herald;
  base: string;
  dir: string;
  /** Every delivery the worker handed to the email messenger. */
  sent: DeliveryJob[];
  call(method: string, path: string, opts?: CallOptions): Promise<ApiResponse>;
  /** Row counts of the tables a request could write to. */
  counts(): Record<string, number>;
  /** Stops Herald; removes the database folder unless `keepFiles` (a restart test). */
  stop(keepFiles?: boolean): Promise<void>;
}

export async function startApi(
  dir = mkdtempSync(join(tmpdir(), 'herald-http-')),
): Promise<ApiHarness> {
  const sent: DeliveryJob[] = [];
  const email: Messenger = {
    channel: 'email',
    limits: [],
    send: (job) => {
      sent.push(job);
      return Promise.resolve();
    },
  };
  const herald = await startHerald(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_PATH: join(dir, 'herald.db'),
      INTAKE_TOKEN: TOKEN,
    }),
    { doors: [createIntakeDoor], logger: silentLogger, messengers: { email } },
  );
  const address = herald.server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  const base = `http://127.0.0.1:${address.port}`;
  const tables = [
    'incidents',
    'status_updates',
    'subscriptions',
    'notification_events',
    'deliveries',
    'people',
    'audit_log',
    'settings',
  ];
  return {
    herald,
    base,
    dir,
    sent,
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = {};
      const token = opts.token === undefined ? TOKEN : opts.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (opts.raw !== undefined || opts.body !== undefined) {
        body = opts.raw ?? JSON.stringify(opts.body);
        headers['content-type'] = opts.contentType ?? 'application/json';
      }
      const res = await fetch(`${base}${path}`, { method, headers, body });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
    },
    counts() {
      return Object.fromEntries(
        tables.map((t) => [
          t,
          (sqliteOf(herald.db).prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n,
        ]),
      );
    },
    async stop(keepFiles = false) {
      await herald.stop();
      if (!keepFiles) rmSync(dir, { recursive: true, force: true });
    },
  };
}
