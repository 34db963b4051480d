import type { Channel } from '../src/domain/types.js';
import type { Ledger } from './emulators/ledger.js';
import { epochMs } from './events.js';
import type { OutboxReader } from './outbox.js';
import type { Child } from './processes.js';

export interface KillFigures {
  /** The killed replica and the delivery lanes it held: its lanes × 16 bound the duplicates. */
  replica: number;
  lanes: Channel[];
  /** Arrivals of the event when the SIGKILL went out. */
  atArrivals: number;
  /** Claims (`sending`) the dead process held: they come back when their lease runs out. */
  inFlight: number;
  killedAt: number;
  /** SIGKILL to the restarted Herald answering /readyz. */
  restartMs: number;
}

/**
 * Kills `herald` (replica `replica`, holding `lanes`) with SIGKILL once `killAtArrivals` deliveries
 * of the resolve event reached the emulators (from inside the emulator's handler, so the count is
 * exact), then starts it again on the same database. `post` sends the command that starts the
 * fan-out.
 */
export async function killMidFanOut(opts: {
  herald: Child;
  replica: number;
  lanes: Channel[];
  ledger: Ledger;
  outbox: OutboxReader;
  incident: number;
  killAtArrivals: number;
  deadline: number;
  post: () => Promise<unknown>;
  restart: () => Promise<unknown>;
}): Promise<KillFigures & { claimedIds: number[] }> {
  const { herald, ledger, outbox, incident } = opts;
  const kill: { crashed: Promise<void> | null; at: number } = { crashed: null, at: 0 };
  const stopWatching = ledger.onArrival((a) => {
    if (kill.crashed || a.incident !== incident || a.kind !== 'resolved') return;
    if (ledger.eventCount(incident, 'resolved') < opts.killAtArrivals) return;
    kill.at = epochMs();
    kill.crashed = herald.crash();
  });
  try {
    await opts.post();
    while (!kill.crashed && epochMs() < opts.deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    stopWatching();
  }
  if (!kill.crashed) throw new Error('the resolve fan-out never reached the kill point');
  await kill.crashed;
  const atArrivals = ledger.eventCount(incident, 'resolved');
  const eventId = await outbox.eventId(incident, 'resolved');
  // A lane's claims are its owner's: those on the dead process's lanes were its own.
  const claimedIds = eventId === null ? [] : await outbox.claimed(eventId, opts.lanes);
  console.error(
    `bench: killed with ${atArrivals} delivered and ${claimedIds.length} claims in flight; restarting`,
  );
  await opts.restart();
  return {
    replica: opts.replica,
    lanes: opts.lanes,
    atArrivals,
    inFlight: claimedIds.length,
    killedAt: kill.at,
    restartMs: epochMs() - kill.at,
    claimedIds,
  };
}
