/**
 * Herald exactly as `src/main.ts` starts it, for the two things `src/main.ts` has no knob for:
 *
 * - the Teams door, should `DOORS` not list it (it was added late): without it, Teams
 *   people would silently get email and the connector emulator would measure nothing;
 * - the delivery lease (`BENCH_LEASE_MS`): a SIGKILLed worker's claims come back only when their
 *   lease runs out, 60 s by default, which `--quick` cannot afford.
 *
 * The bench uses `src/main.ts` itself whenever neither applies (the full run, once Teams is wired).
 */
import { createTeamsDoor } from '../adapters/teams/index.js';
import { loadConfig } from '../src/config.js';
import { DOORS, startHerald } from '../src/main.js';

const config = loadConfig(process.env);
const leaseMs = Number(process.env.BENCH_LEASE_MS ?? '') || undefined;
const herald = await startHerald(config, {
  doors: DOORS.includes(createTeamsDoor) ? DOORS : [...DOORS, createTeamsDoor],
  ...(leaseMs ? { worker: { leaseMs } } : {}),
});
process.once('SIGTERM', () => {
  herald.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
