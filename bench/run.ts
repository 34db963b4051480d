/**
 * `npm run bench [-- --quick]`: Herald against loopback emulators of Slack, the Bot Framework
 * connector and an SMTP relay, with the limits those platforms enforce; prints a table of figures
 * beside their targets. Exits 0 when the bench ran, whatever it measured; 1 when it could not run.
 */
import { parseArgs } from 'node:util';
import { renderReport } from './report.js';
import { Cleanup } from './cleanup.js';
import { PROFILES } from './profiles.js';
import { runScenario } from './scenario.js';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  const profile = PROFILES[values.quick ? 'quick' : 'full'];
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
