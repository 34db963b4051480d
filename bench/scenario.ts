import type { Channel } from '../src/domain/types.js';
import { measureAcks, type AckSamples } from './ack.js';
import type { Cleanup } from './cleanup.js';
import type { EventKind } from './emulators/ledger.js';
import { epochMs, waitForEvent, type EventFigures } from './events.js';
import type { FanOutTiming } from './fan-out-timing.js';
import { runFirstContact, type FirstContactFigures } from './first-contact.js';
import { describe, lanesOf, lanesSpread } from './lanes.js';
import { machine, type Machine } from './machine.js';
import type { Reconciliation } from './outbox.js';
import { ceilingsOf, type Profile } from './profiles.js';
import { RESPONDER_SLACK_ID, type Seeded } from './seed.js';
import { killMidFanOut, type KillFigures } from './sigkill.js';
import { startStack } from './stack.js';

export interface BenchResult {
  profile: Profile;
  machine: Machine;
  /** `SQLite`, `PostgreSQL 18.1`. */
  database: string;
  entry: string;
  seeded: Seeded & { seedMs: number };
  ceilings: Record<Channel, number>;
  fanOut: FanOutTiming;
  /** Messages per second the SMTP emulator takes from a bare pool of Herald's size. */
  smtpCalibrated: number;
  /** POST of `/incident subscribe` to its reply: the fan-out write as the responder sees it. */
  subscribeCommandMs: number;
  ackIdle: AckSamples;
  ackLoaded: AckSamples;
  /**
   * Herald CPU seconds one timed command costs, measured while idle (the idle acks, less the
   * processes' background CPU over as long): what the timed commands add to the `update` event.
   */
  commandCpuSeconds: number;
  /** Herald at rest (the quiet moment before the idle acks): CPU seconds and wake-ups per second. */
  idle: { cpuPerSecond: number; wakeupsPerSecond: number };
  /** The first-contact fan-out to every Slack-only person, before any other incident. */
  firstContact: FirstContactFigures;
  events: EventFigures[];
  /** Subscribe and update events: normal operation. */
  normal: Reconciliation;
  kill: KillFigures & {
    /** SIGKILL to the last of the dead process's claims being sent again (the lease at work). */
    reclaimedMs: number;
    reconciliation: Reconciliation;
  };
  peakRssMB: number[];
  refused: Record<string, number>;
  /** Requests sent into a running `Retry-After`, by emulator and operation. */
  violations: Record<string, number>;
  unparsed: number;
  durationMs: number;
}

const log = (msg: string) => console.error(`bench: ${msg}`);
const PAUSE_BETWEEN_ACKS_MS = 20;

/**
 * The responder's incident, over signed Slack requests: declare, subscribe every team, post a
 * stakeholder update (timing acks while it fans out), resolve (SIGKILLing the Herald holding the
 * most delivery lanes mid fan-out and restarting it). Each command goes to the next replica in
 * turn; acks are timed on replica 0. Each event is waited for until the outbox has nothing left in
 * flight.
 */
export async function runScenario(profile: Profile, cleanup: Cleanup): Promise<BenchResult> {
  const started = epochMs();
  const stack = await startStack(profile, cleanup);
  const { ledger, outbox, seeded, bareRequests, replicas, slack, smtp } = stack;
  const ceilings = ceilingsOf(profile);
  const heralds = () => replicas.map((r) => r.herald);

  let turn = 0;
  const command = async (text: string) => {
    const replica = replicas[turn++ % replicas.length]!;
    const postedAt = epochMs();
    const { res, responseId } = await replica.requests.command(
      RESPONDER_SLACK_ID,
      '/incident',
      text,
    );
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`/incident ${text.slice(0, 30)}: HTTP ${res.status}`);
    return { postedAt, reply: () => replica.reply(responseId, 120_000) };
  };
  const cpuSeconds = () => heralds().reduce((sum, h) => sum + h.cpuSeconds(), 0);
  const mainThreadCpuSeconds = () =>
    heralds().reduce((sum, h) => sum + h.mainThreadCpuSeconds(), 0);
  const wakeups = () => heralds().reduce((sum, h) => sum + h.wakeups(), 0);
  // Generous: three times the slowest channel's ideal pace, plus a lease and a minute.
  const slowest = Math.max(
    ...(['slack', 'teams', 'email'] as const).map(
      (c) => (seeded.byChannel[c] * 1000) / ceilings[c],
    ),
  );
  const deadlineFor = (postedAt: number) =>
    postedAt + 3 * slowest + (profile.leaseMs ?? 60_000) + 60_000;
  const events: EventFigures[] = [];
  /** The Herald processes' CPU counters at a moment of the run. */
  const mark = () => ({ at: epochMs(), cpu: cpuSeconds(), main: mainThreadCpuSeconds() });
  /** `from`: where a stretch of the event, measured on its own, begins (see `afterCommands`). */
  const settle = async (
    incident: number,
    kind: EventKind,
    postedAt: number,
    from?: () => ReturnType<typeof mark> | null,
  ) => {
    // Across the SIGKILL the CPU time of the processes says little: left NaN there.
    const cpuBefore = kind === 'resolved' ? Number.NaN : cpuSeconds();
    const mainBefore = kind === 'resolved' ? Number.NaN : mainThreadCpuSeconds();
    const wakeupsBefore = kind === 'resolved' ? Number.NaN : wakeups();
    smtp.startGaps();
    const relayBefore = { transactions: smtp.transactionMs.length, gaps: smtp.gapMs.length };
    const figures = await waitForEvent(
      outbox,
      ledger,
      incident,
      kind,
      postedAt,
      deadlineFor(postedAt),
    );
    const end = mark();
    figures.cpuSeconds = end.cpu - cpuBefore;
    figures.mainThreadCpuSeconds = end.main - mainBefore;
    const start = from?.();
    if (start && start.at < end.at) {
      figures.afterCommands = {
        seconds: (end.at - start.at) / 1000,
        deliveries: ledger.arrivals.filter(
          (a) => a.incident === incident && a.kind === kind && a.at >= start.at,
        ).length,
        cpuSeconds: end.cpu - start.cpu,
        mainThreadCpuSeconds: end.main - start.main,
      };
    }
    figures.wakeups = wakeups() - wakeupsBefore;
    figures.relay = {
      transactionMs: smtp.transactionMs.slice(relayBefore.transactions),
      gapMs: smtp.gapMs.slice(relayBefore.gaps),
    };
    events.push(figures);
    log(`${kind}: last delivery after ${(figures.lastDeliveryMs / 1000).toFixed(1)} s`);
  };
  const acks = () =>
    measureAcks(
      replicas[0]!.requests,
      bareRequests,
      RESPONDER_SLACK_ID,
      profile.ackSamples,
      PAUSE_BETWEEN_ACKS_MS,
    );

  // Background CPU (timers, lane renewals) over a quiet moment, then the idle acks' CPU less it.
  const quietMs = 3_000;
  const quietBefore = { cpu: cpuSeconds(), wakeups: wakeups() };
  await new Promise((resolve) => setTimeout(resolve, quietMs));
  const backgroundPerMs = (cpuSeconds() - quietBefore.cpu) / quietMs;
  const idle = {
    cpuPerSecond: backgroundPerMs * 1000,
    wakeupsPerSecond: ((wakeups() - quietBefore.wakeups) * 1000) / quietMs,
  };
  log(`ack latency, idle (${profile.ackSamples} commands each to Herald and bare Bolt)`);
  const idleBefore = { cpu: cpuSeconds(), at: epochMs() };
  const ackIdle = await acks();
  const commandCpuSeconds = Math.max(
    0,
    (cpuSeconds() - idleBefore.cpu - backgroundPerMs * (epochMs() - idleBefore.at)) /
      profile.ackSamples,
  );
  // Quick, unless one replica took every lane before the others were up (a few renewals).
  const spread = await lanesSpread(outbox, heralds(), 4 * (profile.leaseMs ?? 60_000));
  log(`delivery lanes: ${describe(spread)}`);

  log(`first contact: ${seeded.firstContact} Slack users Herald has never messaged`);
  const firstContact = await runFirstContact({
    slack,
    ledger,
    outbox,
    users: seeded.firstContact,
    command,
    deadlineFor,
    cpuSeconds,
    mainThreadCpuSeconds,
    wakeups,
  });

  const declared = await command('new Bench: checkout is failing for some customers');
  const incident = Number(/#(\d+)/.exec(await declared.reply())?.[1]);
  if (!incident) throw new Error('could not read the declared incident number');

  log(`subscribing ${profile.teams} teams to #${incident}`);
  const teams = seeded.teamNames.map((t) => `team:${t}`).join(' ');
  const subscribe = await command(`subscribe ${incident} ${teams}`);
  await subscribe.reply();
  const subscribeCommandMs = epochMs() - subscribe.postedAt;
  await settle(incident, 'subscribed', subscribe.postedAt);

  log('posting a stakeholder update; measuring ack latency during its fan-out');
  const notify = await command(`notify ${incident} Rolled back the deploy; errors are falling.`);
  // The timed commands take the fan-out's first seconds; after them Herald only delivers, and the
  // rest of the event gives the CPU of a delivery measured, not less an estimate of theirs.
  let acksDone: ReturnType<typeof mark> | null = null;
  const [ackLoaded] = await Promise.all([
    acks().then((samples) => ((acksDone = mark()), samples)),
    settle(incident, 'update', notify.postedAt, () => acksDone),
  ]);

  // The replica holding the most lanes (the first of equals) is the one to kill.
  const held = await lanesOf(outbox, heralds());
  const victim = held.reduce((best, lanes, i) => (lanes.length > held[best]!.length ? i : best), 0);
  log(
    `resolving; SIGKILL of replica ${victim} (lanes: ${held[victim]!.join(', ')}) after ${Math.round(profile.killAt * 100)} % of the fan-out`,
  );
  let resolvedAt = 0;
  const kill = await killMidFanOut({
    herald: replicas[victim]!.herald,
    replica: victim,
    lanes: held[victim]!,
    ledger,
    outbox,
    incident,
    killAtArrivals: Math.max(1, Math.floor(profile.killAt * profile.people)),
    deadline: deadlineFor(epochMs()),
    post: async () => ({ postedAt: resolvedAt } = await command(`resolve ${incident} Fixed.`)),
    restart: () => stack.startHerald(victim),
  });
  await settle(incident, 'resolved', resolvedAt);
  const { claimedIds, ...killFigures } = kill;

  const result: BenchResult = {
    profile,
    machine: machine(),
    database: stack.database,
    entry: stack.entry,
    seeded,
    ceilings,
    fanOut: stack.fanOut,
    smtpCalibrated: stack.smtpCalibrated,
    subscribeCommandMs,
    ackIdle,
    ackLoaded,
    commandCpuSeconds,
    idle,
    firstContact,
    events,
    normal: await outbox.reconcile(ledger, incident, ['subscribed', 'update']),
    kill: {
      ...killFigures,
      reclaimedMs: (await outbox.lastSentAt(claimedIds)) - kill.killedAt,
      reconciliation: await outbox.reconcile(ledger, incident, ['resolved']),
    },
    peakRssMB: [],
    refused: ledger.refused,
    violations: ledger.violations,
    unparsed: ledger.unparsed,
    durationMs: 0,
  };
  await Promise.all(heralds().map((h) => h.stop()));
  result.peakRssMB = stack.heralds.map((h) => h.peakMB);
  result.durationMs = epochMs() - started;
  return result;
}
