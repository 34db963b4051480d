import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { HERALD_BUILT_ENTRY, startFlags } from '../test/support/child.js';

/** What the bench runs: Herald compiled, as `npm start` runs it (see {@link buildHerald}). */
export const HERALD_ENTRY = HERALD_BUILT_ENTRY;

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** A free TCP port on loopback (bound and released: the children need a known port up front). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Peak and current resident set of a process, in MB (10^6 bytes), from `/proc/<pid>/status`. */
export function memoryOf(pid: number): { peakMB: number; rssMB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    // The kernel's "kB" are KiB.
    const mb = (field: string) =>
      (Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024) / 1e6;
    return { peakMB: mb('VmHWM'), rssMB: mb('VmRSS') };
  } catch {
    return null;
  }
}

/** CPU time (user + system) a process has used so far, in seconds, from `/proc/<pid>/stat`. */
export function cpuSecondsOf(pid: number): number | null {
  return cpuSecondsIn(`/proc/${pid}/stat`);
}

/**
 * The same for the process's main thread alone (`/proc/<pid>/task/<pid>/stat`): Node's event loop,
 * where the JavaScript runs. The rest is V8's compiler and collector threads and libuv's pool.
 */
export function mainThreadCpuSecondsOf(pid: number): number | null {
  return cpuSecondsIn(`/proc/${pid}/task/${pid}/stat`);
}

function cpuSecondsIn(statPath: string): number | null {
  try {
    // Fields after the command name (which may hold spaces, hence the last ')'): utime is the
    // 12th, stime the 13th, in clock ticks (100 per second on Linux).
    const stat = readFileSync(statPath, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * Times the process's main thread went to sleep and was woken again (its voluntary context
 * switches, from `/proc/<pid>/status`): the event loop's wake-ups, each a timer, an answer or a
 * connection that had something to read.
 */
export function wakeupsOf(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const n = Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1]);
    return Number.isNaN(n) ? null : n;
  } catch {
    return null;
  }
}

/** `npm start`'s node flags, plus `BENCH_HERALD_NODE_ARGS` (e.g. `--cpu-prof` for a profile). */
export function heraldNodeArgs(): string[] {
  const extra = (process.env.BENCH_HERALD_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  return [...startFlags(), ...extra];
}

/**
 * `npm run build`, once, before any Herald starts: the bench measures what `npm start` runs
 * (compiled JavaScript), not the TypeScript source under a run-time compiler.
 */
export function buildHerald(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: repoRoot, stdio: 'inherit' });
}

/** Every child process the bench started that has not exited yet. */
const live = new Set<ChildProcess>();

/**
 * SIGKILLs every child still running, at once and synchronously: the last resort when the bench
 * must exit before its clean-up could stop them in order (a second Ctrl-C, `process.exit`).
 */
export function killAllNow(): void {
  for (const child of live) child.kill('SIGKILL');
}

/** Pids of the children still running (for the log, and the test that checks none is left). */
export const livePids = (): number[] => [...live].map((c) => c.pid ?? 0);

/** A TypeScript entry of this repo run as `node <nodeArgs> <entry>`, listening on `port`. */
export class Child {
  private readonly child: ChildProcess;
  private tail = '';
  readonly exited: Promise<number | null>;
  /** Highest VmHWM seen (read every 250 ms and on demand): survives the process being killed. */
  peakMB = 0;
  private readonly sampler: NodeJS.Timeout;

  constructor(
    readonly name: string,
    entry: string,
    readonly port: number,
    env: Record<string, string>,
    nodeArgs: string[] = ['--import', 'tsx'],
  ) {
    this.child = spawn(process.execPath, [...nodeArgs, entry], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Only the end of the output is kept, for the error message if the child dies.
    const keep = (chunk: Buffer) => (this.tail = (this.tail + chunk.toString()).slice(-8000));
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    // A spawn that fails emits `error` (and no `exit`): kept for the message, never thrown.
    this.child.on('error', (err) => keep(Buffer.from(`\n${name}: ${err.message}\n`)));
    live.add(this.child);
    this.exited = new Promise((resolve) => {
      const done = (code: number | null) => {
        live.delete(this.child);
        resolve(code);
      };
      this.child.once('exit', done);
      this.child.once('error', () => {
        if (this.child.pid === undefined) done(null);
      });
    });
    console.error(`bench: ${name} started (pid ${this.child.pid ?? '?'})`);
    this.sampler = setInterval(() => this.sample(), 250);
    this.sampler.unref();
    void this.exited.then(() => clearInterval(this.sampler));
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.tail;
  }

  /** CPU seconds used so far (NaN once the process is gone). */
  cpuSeconds(): number {
    return (this.alive ? cpuSecondsOf(this.pid) : null) ?? Number.NaN;
  }

  /** CPU seconds of its main thread (the event loop) so far (NaN once the process is gone). */
  mainThreadCpuSeconds(): number {
    return (this.alive ? mainThreadCpuSecondsOf(this.pid) : null) ?? Number.NaN;
  }

  /** Event-loop wake-ups so far (NaN once the process is gone). */
  wakeups(): number {
    return (this.alive ? wakeupsOf(this.pid) : null) ?? Number.NaN;
  }

  sample(): void {
    const mem = this.alive ? memoryOf(this.pid) : null;
    if (mem && mem.peakMB > this.peakMB) this.peakMB = mem.peakMB;
  }

  /** Resolves once `GET path` answers 2xx; rejects if the child exits or `timeoutMs` passes. */
  async ready(path: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`${this.name} exited during start-up:\n${this.tail}`);
      try {
        const res = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.ok || (path === '/slack/events' && res.status < 500)) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.tail}`);
  }

  /** SIGKILL now, as a crash would; resolves once the process is gone. */
  async crash(): Promise<void> {
    this.sample();
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (a clean shutdown), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    this.sample();
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
