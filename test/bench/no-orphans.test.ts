import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/child.js';

// A bench stopped half-way — by a signal, or by its own failure — stops every process it started
// before it exits: Herald, the bare Bolt reference, the embedded PostgreSQL server. Checked by pid,
// from the process table, not from the bench's own word.

/** Parent pid and state of every process, from `/proc/<pid>/stat`. */
function processTable(): Map<number, { ppid: number; state: string }> {
  const table = new Map<number, { ppid: number; state: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // After the command name (which may hold spaces): state, then the parent's pid.
      const [state = '', ppid = '0'] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(entry), { ppid: Number(ppid), state });
    } catch {
      // Gone while listing.
    }
  }
  return table;
}

/** Every process below `root`, children and theirs. */
function descendantsOf(root: number): number[] {
  const table = processTable();
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [pid, p] of table) {
      if (p.ppid === parent && !found.includes(pid)) {
        found.push(pid);
        queue.push(pid);
      }
    }
  }
  return found;
}

/** Running (a zombie has exited; only its parent's bookkeeping is left). */
function running(pid: number): boolean {
  const p = processTable().get(pid);
  return p !== undefined && p.state !== 'Z';
}

/** `npm run bench` as the script runs it, on a small population. */
function startBench(args: string[]) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/run.ts', '--quick', '--people', '150', ...args],
    { cwd: repoRoot, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    log += chunk.toString();
    for (const l of [...listeners]) l();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const waitFor = (pattern: RegExp, timeoutMs = 90_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(log);
        if (!m) return;
        listeners.delete(check);
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        child.kill('SIGKILL');
        reject(new Error(`bench never logged ${String(pattern)}:\n${log}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  return { child, exited, waitFor, log: () => log };
}

describe('a bench that stops half-way', () => {
  it('stops Herald, bare Bolt and PostgreSQL when it gets SIGINT', async () => {
    const bench = startBench(['--postgres']);
    // Everything is started, Herald still on its way up: the middle of the run.
    const herald = Number((await bench.waitFor(/Herald started \(pid (\d+)\)/))[1]);
    const bare = Number((await bench.waitFor(/bare Bolt started \(pid (\d+)\)/))[1]);
    const children = descendantsOf(bench.child.pid!);
    expect(children).toEqual(expect.arrayContaining([herald, bare]));
    // PostgreSQL too (its server and its workers).
    expect(children.length).toBeGreaterThan(2);

    bench.child.kill('SIGINT');
    expect(await bench.exited).toBe(130);
    expect(bench.log()).toContain('stopped by SIGINT');
    expect(children.filter(running)).toEqual([]);
  }, 90_000);

  it('stops every child when it fails on its own (Herald died under it)', async () => {
    const bench = startBench([]);
    const herald = Number((await bench.waitFor(/Herald started \(pid (\d+)\)/))[1]);
    const children = descendantsOf(bench.child.pid!);
    expect(children).toContain(herald);
    expect(children.length).toBeGreaterThanOrEqual(2);

    process.kill(herald, 'SIGKILL');
    expect(await bench.exited).toBe(1);
    expect(bench.log()).toContain('bench: failed');
    expect(children.filter(running)).toEqual([]);
  }, 90_000);
});
