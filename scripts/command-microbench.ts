/**
 * What one slash command costs Herald: signed `/incident list` commands, one at a time with a 5 ms
 * pause, into Herald compiled as `npm start` runs it (an empty SQLite file, Slack only), each
 * answered in its ack (the bench's Slack emulator takes any later reply). The first 100 warm the
 * process up and are not counted; the CPU Herald spends at rest over the same time is subtracted.
 * `--bare` measures the bench's bare Bolt app the same way (it only acks): the floor of Bolt and
 * its HTTP server.
 *
 * `--against DIR` compares this checkout with another one (DIR, built with `npm run build`, its
 * `node_modules` installed): both run side by side and the commands alternate between them, so
 * the host's speed, which moves from minute to minute, weighs on both alike. Each run prints both
 * processes' CPU per command; nothing is subtracted (both rest alike).
 *
 *   node --import tsx scripts/command-microbench.ts [commands, default 1000] [--runs N]
 *        [--bare | --against DIR]
 *
 * Prints Herald's CPU (user + system, all threads) per command of each run and their median.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Ledger } from '../bench/emulators/ledger.js';
import { SlackEmulator } from '../bench/emulators/slack.js';
import { Child, HERALD_ENTRY, buildHerald, freePort, heraldNodeArgs } from '../bench/processes.js';
import { median } from '../bench/stats.js';
import { SlackRequests } from '../test/support/slack-requests.js';

const WARM_UP = 100;
const PAUSE_MS = 5;

const { values, positionals } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    bare: { type: 'boolean', default: false },
    against: { type: 'string' },
  },
  allowPositionals: true,
});
const commands = Number(positionals[0] ?? 1000);
const { bare, against } = values;
const runs = Number(values.runs);
if (!Number.isInteger(commands) || commands < 1 || !Number.isInteger(runs) || runs < 1)
  throw new Error('usage: command-microbench.ts [commands] [--runs N] [--bare | --against DIR]');
if (bare && against) throw new Error('--bare and --against exclude each other');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One process under test, and one signed `/incident list` into it, answered. */
interface Target {
  name: string;
  child: Child;
  command: () => Promise<void>;
  stop: () => Promise<void>;
}

async function start(slack: SlackEmulator, name: string, entry: string | null): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-command-microbench-'));
  const secret = randomBytes(16).toString('hex');
  const port = await freePort();
  const child =
    entry === null
      ? new Child(name, 'bench/bare-bolt.ts', port, { SLACK_SIGNING_SECRET: secret })
      : new Child(
          name,
          entry,
          port,
          {
            HOST: '127.0.0.1',
            DATABASE_PATH: join(dir, 'herald.db'),
            SLACK_SIGNING_SECRET: secret,
            SLACK_BOT_TOKEN: 'xoxb-microbench',
            SLACK_API_URL: slack.apiUrl,
            HERALD_SECRET: randomBytes(16).toString('hex'),
            REMINDER_MINUTES: '0',
            LOG_LEVEL: 'warn',
          },
          heraldNodeArgs(),
        );
  const stop = async () => {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await child.ready(entry === null ? '/slack/events' : '/readyz', 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  const requests = new SlackRequests(`${child.url}/slack/events`, secret, slack.commandReplies());
  const command = async () => {
    const { res } = await requests.command('U0MICROBENCH', '/incident', 'list');
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${name}: /incident list answered ${res.status}`);
  };
  return { name, child, command, stop };
}

/** CPU ms per command of each target, commands alternating between them (which goes first too). */
async function measure(targets: Target[]): Promise<number[]> {
  for (let i = 0; i < WARM_UP; i++) for (const t of targets) await t.command();
  await sleep(2_000);
  // Alone, the process's CPU at rest is subtracted; side by side, both rest alike.
  let restPerMs = 0;
  if (targets.length === 1) {
    const rest0 = targets[0]!.child.cpuSeconds();
    await sleep(5_000);
    restPerMs = (targets[0]!.child.cpuSeconds() - rest0) / 5_000;
  }
  const cpu0 = targets.map((t) => t.child.cpuSeconds());
  const t0 = performance.now();
  for (let i = 0; i < commands; i++) {
    for (const t of i % 2 === 0 ? targets : [...targets].reverse()) {
      await t.command();
      await sleep(PAUSE_MS);
    }
  }
  await sleep(1_000);
  const elapsed = performance.now() - t0;
  return targets.map(
    (t, k) => ((t.child.cpuSeconds() - cpu0[k]! - restPerMs * elapsed) * 1000) / commands,
  );
}

const entries: Array<[name: string, entry: string | null]> = bare
  ? [['bare Bolt', null]]
  : [
      ['Herald', HERALD_ENTRY],
      ...(against
        ? [[`Herald at ${against}`, resolve(against, HERALD_ENTRY)] as [string, string]]
        : []),
    ];
if (!bare) buildHerald();
const slack = await new SlackEmulator(new Ledger(), { postMessagePerSecond: 50 }).start();
const perCommand: number[][] = entries.map(() => []);
try {
  for (let r = 0; r < runs; r++) {
    const targets: Target[] = [];
    try {
      for (const [name, entry] of entries) targets.push(await start(slack, name, entry));
      const ms = await measure(targets);
      ms.forEach((m, k) => perCommand[k]!.push(m));
      const line = targets.map((t, k) => `${t.name} ${ms[k]!.toFixed(2)} ms`).join(', ');
      console.log(`run ${r + 1}: ${line} of CPU per command`);
    } finally {
      await Promise.all(targets.map((t) => t.stop()));
    }
  }
} finally {
  await slack.stop();
}
for (const [k, [name]] of entries.entries()) {
  console.log(
    `${name}: median ${median(perCommand[k]!).toFixed(2)} ms of CPU per command ` +
      `(${commands} signed /incident list after ${WARM_UP} to warm up; ${runs} runs)`,
  );
}
