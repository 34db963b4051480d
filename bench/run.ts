/**
 * `npm run bench [-- --quick] [--people <n>] [--postgres [--replicas <n>]]`: Herald against
 * loopback emulators of Slack, the Bot Framework connector and an SMTP relay, with the limits those
 * platforms document; prints a table of figures beside their targets. Herald keeps its data in a
 * SQLite file, or with `--postgres` on an embedded PostgreSQL server shared by `--replicas`
 * processes; `--people` scales the population. Exits 0 when the bench ran, whatever it measured;
 * 1 when it could not run; 128 + the signal's number when a signal stopped it. However it ends, it
 * leaves no process behind: a failure, SIGINT or SIGTERM stops every child (Herald, bare Bolt,
 * PostgreSQL) before the bench exits; a second signal kills them at once.
 */
import { constants } from 'node:os';
import { parseArgs } from 'node:util';
import { Cleanup } from './cleanup.js';
import { killAllNow } from './processes.js';
import { profileFromArgs } from './profiles.js';
import { renderReport } from './report.js';
import { runScenario } from './scenario.js';

class Stopped extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`${signal} received`);
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      postgres: { type: 'boolean', default: false },
      replicas: { type: 'string', default: '1' },
      people: { type: 'string' },
    },
  });
  const profile = profileFromArgs(values);
  if (typeof profile === 'string') {
    console.error(`bench: ${profile}`);
    return 1;
  }
  const cleanup = new Cleanup();
  // Whatever ends the run early — a signal, the deadline, an error thrown outside the scenario's
  // own promise chain — rejects this, and the clean-up below runs before the bench exits.
  let abort: (err: Error) => void = () => {};
  const aborted = new Promise<never>((_, reject) => (abort = reject));
  aborted.catch(() => {});
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      console.error(`bench: ${signal}: stopping every process it started`);
      abort(new Stopped(signal));
      return;
    }
    console.error(`bench: ${signal} again: killing its processes now`);
    killAllNow();
    process.exit(128 + (constants.signals[signal] ?? 0));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  process.on('uncaughtException', (err) => abort(err));
  process.on('unhandledRejection', (reason) =>
    abort(reason instanceof Error ? reason : new Error(String(reason))),
  );
  setTimeout(
    () => abort(new Error(`gave up after ${Math.round(profile.deadlineMs / 60_000)} minutes`)),
    profile.deadlineMs,
  ).unref();
  try {
    const result = await Promise.race([runScenario(profile, cleanup), aborted]);
    console.log(renderReport(result));
    return 0;
  } catch (err) {
    if (err instanceof Stopped) {
      console.error(`bench: stopped by ${err.signal}`);
      return 128 + (constants.signals[err.signal] ?? 0);
    }
    console.error(`bench: failed: ${(err as Error).stack ?? String(err)}`);
    return 1;
  } finally {
    await cleanup.run();
  }
}

// The last resort, whatever path leads to exit: no child outlives the bench.
process.on('exit', killAllNow);
process.exit(await main());
