/**
 * What one slash command costs Herald: signed `/incident list` commands, one at a time with a 5 ms
 * pause, into Herald compiled as `npm start` runs it (an empty SQLite file, Slack only), each
 * answered in its ack (the bench's Slack emulator takes any later reply). The first 100 warm the
 * process up and are not counted; the CPU Herald spends at rest over the same time is subtracted.
 * `--bare` measures the bench's bare Bolt app the same way (it only acks): the floor of Bolt and
 * its HTTP server.
 *
 *   node --import tsx scripts/command-microbench.ts [commands, default 1000] [--runs N] [--bare]
 *
 * Prints Herald's CPU (user + system, all threads) per command of each run and their median.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Ledger } from '../bench/emulators/ledger.js';
import { SlackEmulator } from '../bench/emulators/slack.js';
import { Child, HERALD_ENTRY, buildHerald, freePort, heraldNodeArgs } from '../bench/processes.js';
import { median } from '../bench/stats.js';
import { SlackRequests } from '../test/support/slack-requests.js';

const WARM_UP = 100;
const PAUSE_MS = 5;

const { values, positionals } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, bare: { type: 'boolean', default: false } },
  allowPositionals: true,
});
const commands = Number(positionals[0] ?? 1000);
const bare = values.bare;
const runs = Number(values.runs);
if (!Number.isInteger(commands) || commands < 1 || !Number.isInteger(runs) || runs < 1)
  throw new Error('usage: command-microbench.ts [commands] [--runs N] [--bare]');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measureOnce(slack: SlackEmulator): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-command-microbench-'));
  const secret = randomBytes(16).toString('hex');
  const port = await freePort();
  const child = bare
    ? new Child('bare Bolt', 'bench/bare-bolt.ts', port, { SLACK_SIGNING_SECRET: secret })
    : new Child(
        'Herald',
        HERALD_ENTRY,
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
  try {
    await child.ready(bare ? '/slack/events' : '/readyz', 30_000);
    const requests = new SlackRequests(`${child.url}/slack/events`, secret, slack.commandReplies());
    const one = async () => {
      const { res } = await requests.command('U0MICROBENCH', '/incident', 'list');
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`/incident list answered ${res.status}`);
    };
    for (let i = 0; i < WARM_UP; i++) await one();
    await sleep(2_000);
    const rest0 = child.cpuSeconds();
    await sleep(5_000);
    const restPerMs = (child.cpuSeconds() - rest0) / 5_000;
    const cpu0 = child.cpuSeconds();
    const t0 = performance.now();
    for (let i = 0; i < commands; i++) {
      await one();
      await sleep(PAUSE_MS);
    }
    await sleep(1_000);
    const used = child.cpuSeconds() - cpu0 - restPerMs * (performance.now() - t0);
    return (used * 1000) / commands;
  } finally {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!bare) buildHerald();
const slack = await new SlackEmulator(new Ledger(), { postMessagePerSecond: 50 }).start();
const perCommand: number[] = [];
try {
  for (let r = 0; r < runs; r++) {
    perCommand.push(await measureOnce(slack));
    console.log(`run ${r + 1}: ${perCommand.at(-1)!.toFixed(2)} ms of CPU per command`);
  }
} finally {
  await slack.stop();
}
console.log(
  `${bare ? 'bare Bolt' : 'Herald'}: median ${median(perCommand).toFixed(2)} ms of CPU per command ` +
    `(${commands} signed /incident list after ${WARM_UP} to warm up; ${runs} runs)`,
);
