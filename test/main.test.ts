import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HERALD_BUILT_ENTRY, repoRoot, startHeraldProcess } from './support/child.js';

let dir: string;
let stop: Array<() => void> = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'herald-main-'));
});
afterEach(() => {
  for (const s of stop) s();
  stop = [];
  rmSync(dir, { recursive: true, force: true });
});

/** Herald as `npm start` runs it; killed after the test whatever happens. */
function spawnHerald(
  env: Record<string, string>,
  opts?: Parameters<typeof startHeraldProcess>[1],
): ReturnType<typeof startHeraldProcess> {
  const herald = startHeraldProcess(env, opts);
  stop.push(() => herald.child.kill('SIGKILL'));
  return herald;
}

describe('npm start', () => {
  it('starts with nothing configured, answers health checks, says which adapters are off, stops on SIGTERM', async () => {
    const herald = spawnHerald({ PORT: '0', DATABASE_PATH: join(dir, 'data', 'herald.db') });
    const [, port] = await herald.waitFor(/"port":(\d+).*Herald is listening/);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const log = herald.output();
    expect(log).toMatch(/slack: off — set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN/);
    expect(log).toMatch(/teams: off — set TEAMS_APP_ID and TEAMS_APP_PASSWORD/);
    expect(log).toMatch(/email: off — set SMTP_URL/);
    expect(log).not.toMatch(/DELIVERY_LEASE_MS/);
    herald.child.kill('SIGTERM');
    expect(await herald.exited).toBe(0);
  });

  it('builds first, then runs the compiled JavaScript: ready with every migration applied, stops on SIGTERM', async () => {
    const { scripts } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(scripts.prestart).toBe('npm run build');
    expect(scripts.start).not.toMatch(/tsx/);
    // What `prestart` runs: a clean clone (CI) has no dist/ until it does.
    rmSync(join(repoRoot, HERALD_BUILT_ENTRY), { force: true });
    await promisify(execFile)('npm', ['run', 'build'], { cwd: repoRoot });
    expect(existsSync(join(repoRoot, HERALD_BUILT_ENTRY))).toBe(true);
    const herald = spawnHerald(
      { PORT: '0', DATABASE_PATH: join(dir, 'built.db') },
      { built: true },
    );
    const [, port] = await herald.waitFor(/"port":(\d+).*Herald is listening/);
    // Ready only once the migrations (SQL read from db/, not dist/) are all applied.
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    herald.child.kill('SIGTERM');
    expect(await herald.exited).toBe(0);
  }, 60_000);

  it.each([
    [{ PORT: 'eighty' }, /^herald: PORT="eighty": /m],
    [{ PORT: '99999' }, /^herald: PORT="99999": must be between 0 and 65535$/m],
    [
      { RESPONDER_POLICY: 'anyone' },
      /^herald: RESPONDER_POLICY="anyone": must be one of members, granted$/m,
    ],
  ])('refuses %o with one line naming the variable, exit 1', async (env, line) => {
    const herald = spawnHerald({ DATABASE_PATH: join(dir, 'h.db'), ...env });
    expect(await herald.exited).toBe(1);
    expect(herald.output()).toMatch(line);
    expect(herald.output().trim().split('\n')).toHaveLength(1);
  });

  it('refuses a DELIVERY_LEASE_MS too short to renew in time, with one line naming it', async () => {
    // Leases are renewed every third of their length while a send runs: below 3 s a renewal
    // could come too late on a busy machine.
    const herald = spawnHerald({
      PORT: '0',
      DATABASE_PATH: join(dir, 'lease.db'),
      DELIVERY_LEASE_MS: '2000',
    });
    expect(await herald.exited).toBe(1);
    expect(herald.output().trim()).toBe('herald: DELIVERY_LEASE_MS="2000": must be at least 3000');
  });

  it('refuses an unwritable DATABASE_PATH with one line naming it', async () => {
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, 'x');
    const herald = spawnHerald({ PORT: '0', DATABASE_PATH: join(file, 'herald.db') });
    expect(await herald.exited).toBe(1);
    expect(herald.output()).toMatch(
      /^herald: DATABASE_PATH=".*not-a-folder\/herald.db": cannot open the database/m,
    );
    expect(herald.output().trim().split('\n')).toHaveLength(1);
  });

  it('refuses a port already in use with one line naming PORT', async () => {
    const first = spawnHerald({
      PORT: '0',
      DATABASE_PATH: join(dir, 'a.db'),
      LOG_LEVEL: 'info',
    });
    const [, port] = await first.waitFor(/"port":(\d+).*Herald is listening/);
    const second = spawnHerald({
      PORT: port!,
      DATABASE_PATH: join(dir, 'b.db'),
      LOG_LEVEL: 'silent',
    });
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(new RegExp(`^herald: PORT=${port}: is already in use$`, 'm'));
  });
});
