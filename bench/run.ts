/**
 * `npm run bench [-- --quick] [--postgres [--replicas <n>]]`: Herald against loopback emulators of
 * Slack, the Bot Framework connector and an SMTP relay, with the limits those platforms enforce;
 * prints a table of figures beside their targets. Herald keeps its data in a SQLite file, or with
 * `--postgres` on an embedded PostgreSQL server shared by `--replicas` processes. Exits 0 when the
 * bench ran, whatever it measured; 1 when it could not run.
 */
import { parseArgs } from 'node:util';
import { renderReport } from './report.js';
import { Cleanup } from './cleanup.js';
import { PROFILES, type Profile } from './profiles.js';
import { runScenario } from './scenario.js';

/** The profile the command line asks for; an error message when it asks for something else. */
function profileFromArgs(): Profile | string {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      postgres: { type: 'boolean', default: false },
      replicas: { type: 'string', default: '1' },
    },
  });
  const replicas = Number(values.replicas);
  if (!Number.isInteger(replicas) || replicas < 1) return '--replicas takes a whole number ≥ 1';
  if (replicas > 1 && !values.postgres) {
    return `--replicas ${replicas} needs --postgres: on SQLite the bench runs one Herald process`;
  }
  return {
    ...PROFILES[values.quick ? 'quick' : 'full'],
    database: values.postgres ? 'postgres' : 'sqlite',
    replicas,
  };
}

async function main(): Promise<number> {
  const profile = profileFromArgs();
  if (typeof profile === 'string') {
    console.error(`bench: ${profile}`);
    return 1;
  }
  const cleanup = new Cleanup();
  const interrupted = new Promise<never>((_, reject) => {
    const stop = (signal: string) => reject(new Error(`${signal} received`));
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    setTimeout(
      () => reject(new Error(`gave up after ${profile.deadlineMs / 60_000} minutes`)),
      profile.deadlineMs,
    ).unref();
  });
  // Marked handled: a signal during clean-up must not become an unhandled rejection.
  interrupted.catch(() => {});
  try {
    const result = await Promise.race([runScenario(profile, cleanup), interrupted]);
    console.log(renderReport(result));
    return 0;
  } catch (err) {
    console.error(`bench: failed: ${(err as Error).stack ?? String(err)}`);
    return 1;
  } finally {
    await cleanup.run();
  }
}

process.exit(await main());
