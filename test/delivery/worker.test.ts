import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openSqlite } from '../../db/client.js';
import { SqlDeliveryQueue } from '../../db/delivery-queue.js';
import type { SqliteExecutor } from '../../db/sqlite-executor.js';
import type { Clock } from '../../src/clock.js';
import { retryDelay } from '../../src/delivery/backoff.js';
import {
  DeliveryError,
  type DeliveryJob,
  type DeliveryQueue,
  type Messenger,
  type RateLimit,
} from '../../src/delivery/ports.js';
import {
  DEFAULT_POLL_MS,
  DEFAULT_TICK_MS,
  DeliveryWorker,
  LATE_DEPARTURE_MS,
  type SettledEvent,
} from '../../src/delivery/worker.js';
import type { Channel } from '../../src/domain/types.js';
import { FakeClock as SleepingClock } from '../support/fake-clock.js';
import {
  readDeliveries,
  readDelivery,
  readPerson,
  seedDelivery,
  seedEvent,
  seedPerson,
} from '../support/outbox-fixture.js';

const T0 = 1_700_000_000_000;
const BACKOFF = { baseMs: 1_000, maxMs: 60_000 };

/** Time moves only when the test says so; sleeps (rate-limit waits) are recorded and skipped. */
class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public t = T0) {}
  now = (): number => this.t;
  sleep = (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    return Promise.resolve();
  };
  random = (): number => 0.5;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Real timers, unref'd so an idle worker never holds the test process open. */
const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)).unref()),
  random: () => Math.random(),
};

type Behaviour = (job: DeliveryJob, wentOut?: () => void) => Promise<void> | void;

/** A messenger recording what it was asked to send; `behave` decides how each send ends. */
function fakeMessenger(channel: Channel, behave: Behaviour = () => {}, limits: RateLimit[] = []) {
  const sent: DeliveryJob[] = [];
  const messenger: Messenger = {
    channel,
    limits,
    send: async (job, wentOut) => {
      sent.push(job);
      await behave(job, wentOut);
    },
  };
  return { messenger, sent };
}

/** Fails with each error in turn, then succeeds. */
const failing =
  (...errors: unknown[]): Behaviour =>
  () => {
    if (errors.length > 0) throw errors.shift();
  };

async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let db: SqliteExecutor;
let queue: SqlDeliveryQueue;
let clock: FakeClock;
let eventId: number;
let settled: SettledEvent[];
let worker: DeliveryWorker | undefined;

beforeEach(() => {
  db = openSqlite(':memory:');
  queue = new SqlDeliveryQueue(db);
  clock = new FakeClock();
  eventId = seedEvent(db, { now: T0 }).eventId;
  settled = [];
});
afterEach(async () => {
  await worker?.stop(1_000);
  worker = undefined;
  await db.close();
});

function makeWorker(
  messengers: Partial<Record<Channel, Messenger>>,
  extra: Partial<ConstructorParameters<typeof DeliveryWorker>[0]> = {},
): DeliveryWorker {
  worker = new DeliveryWorker({
    queue,
    messengers,
    clock,
    backoff: BACKOFF,
    onSettled: (e) => settled.push(e),
    ...extra,
  });
  return worker;
}

function delivery(channel: Channel, person: Parameters<typeof seedPerson>[1] = {}): number {
  const personId = seedPerson(db, person);
  return seedDelivery(db, { eventId, personId, channel, nextAttemptAt: T0, createdAt: T0 });
}

describe('DeliveryWorker.runOnce', () => {
  it('sends a due delivery and marks it sent', async () => {
    const id = delivery('slack', { slackUserId: 'U1' });
    const slack = fakeMessenger('slack');
    clock.advance(250);

    expect(await makeWorker({ slack: slack.messenger }).runOnce()).toBe(1);

    expect(slack.sent.map((j) => [j.delivery.id, j.person.slackUserId, j.event.id])).toEqual([
      [id, 'U1', eventId],
    ]);
    expect(readDelivery(db, id)).toMatchObject({ state: 'sent', sent_at: T0 + 250, attempts: 1 });
    expect(settled).toMatchObject([{ outcome: 'sent', latencyMs: 250, delivery: { id } }]);
  });

  it('retries a transient failure after the backoff, then succeeds', async () => {
    const id = delivery('slack');
    const slack = fakeMessenger('slack', failing(new DeliveryError('transient', 'HTTP 503')));
    const w = makeWorker({ slack: slack.messenger });

    await w.runOnce();
    const delay = retryDelay(1, { ...BACKOFF, random: () => 0.5 });
    expect(readDelivery(db, id)).toMatchObject({
      state: 'retrying',
      attempts: 1,
      next_attempt_at: T0 + delay,
      last_error: 'HTTP 503',
    });
    expect(await w.runOnce()).toBe(0); // not due yet

    clock.advance(delay);
    expect(await w.runOnce()).toBe(1);
    expect(readDelivery(db, id)).toMatchObject({ state: 'sent', attempts: 2 });
    expect(settled.map((e) => e.outcome)).toEqual(['retrying', 'sent']);
  });

  it('honours Retry-After when it is longer than the backoff', async () => {
    const id = delivery('teams');
    const rateLimited = new DeliveryError('transient', 'HTTP 429', { retryAfterMs: 45_000 });
    await makeWorker({ teams: fakeMessenger('teams', failing(rateLimited)).messenger }).runOnce();
    expect(readDelivery(db, id)).toMatchObject({ state: 'retrying', next_attempt_at: T0 + 45_000 });
  });

  it('a Retry-After holds back the other sends that share the limit, not only the one refused', async () => {
    const workspace: RateLimit = {
      name: 'workspace',
      ratePerSecond: 100,
      burst: 100,
      key: () => '',
    };
    const first = delivery('slack', { displayName: 'A' });
    const rateLimited = new DeliveryError('transient', 'HTTP 429', { retryAfterMs: 30_000 });
    const slack = fakeMessenger('slack', failing(rateLimited), [workspace]);
    const w = makeWorker({ slack: slack.messenger }, { concurrency: 1 });
    await w.runOnce();
    expect(readDelivery(db, first)).toMatchObject({ state: 'retrying' });
    // A second delivery due now waits out the same 30 s before its first attempt.
    const second = delivery('slack', { displayName: 'B' });
    await w.runOnce();
    expect(readDelivery(db, second)).toMatchObject({ state: 'sent', attempts: 1 });
    expect(clock.sleeps.at(-1)).toBeGreaterThanOrEqual(30_000);
  });

  it('a send waiting for its turn when a 429 pauses its limit waits out the Retry-After, not into it', async () => {
    const conversation: RateLimit = { name: 'c', ratePerSecond: 1, burst: 1, key: () => '' };
    const a = delivery('teams', { displayName: 'A' });
    const b = delivery('teams', { displayName: 'B' });
    const sleeping: Array<{ ms: number; wake: () => void }> = [];
    clock.sleep = (ms) => new Promise<void>((wake) => sleeping.push({ ms, wake }));
    let refuseA = (): void => {};
    const aRefused = new Promise<void>((resolve) => (refuseA = resolve));
    const rateLimited = new DeliveryError('transient', 'HTTP 429', { retryAfterMs: 30_000 });
    const teams = fakeMessenger(
      'teams',
      async (job) => {
        if (job.delivery.id !== a) return;
        await aRefused;
        throw rateLimited;
      },
      [conversation],
    );
    const run = makeWorker({ teams: teams.messenger }, { concurrency: 2 }).runOnce();
    try {
      // A is on the wire; B booked the next turn, a second later.
      await waitFor(() => sleeping.length === 1, 'B waiting for its turn');
      const first = sleeping[0];
      expect(first?.ms).toBeLessThan(2_000);
      refuseA();
      await waitFor(() => settled.length === 1, 'A refused with 429');
      clock.advance(first?.ms ?? 0);
      first?.wake();
      await waitFor(() => sleeping.length === 2, 'B booked again behind the pause');
      expect(teams.sent.map((j) => j.delivery.id)).toEqual([a]);
      expect(sleeping[1]?.ms).toBeGreaterThanOrEqual(30_000 - (first?.ms ?? 0));
      clock.advance(sleeping[1]?.ms ?? 0);
      sleeping[1]?.wake();
      await run;
      expect(teams.sent.map((j) => j.delivery.id)).toEqual([a, b]);
      expect(readDelivery(db, b)).toMatchObject({ state: 'sent', attempts: 1 });
    } finally {
      // Whatever happened, nothing is left asleep for the clean-up to wait on.
      clock.sleep = () => Promise.resolve();
      refuseA();
      for (const s of sleeping) s.wake();
    }
  });

  it('a send whose lane moved to another replica while it waited goes back to the queue unsent', async () => {
    const conversation: RateLimit = { name: 'c', ratePerSecond: 1, burst: 1, key: () => '' };
    const a = delivery('teams', { displayName: 'A' });
    const b = delivery('teams', { displayName: 'B' });
    const sleeping: Array<() => void> = [];
    // Woken at its turn: the time it slept has passed.
    clock.sleep = (ms) =>
      new Promise<void>((wake) =>
        sleeping.push(() => {
          clock.advance(ms);
          wake();
        }),
      );
    let owned = true;
    const teams = fakeMessenger('teams', () => {}, [conversation]);
    const run = makeWorker(
      { teams: teams.messenger },
      { concurrency: 2, lanes: { owns: () => owned } },
    ).runOnce();
    try {
      await waitFor(() => sleeping.length === 1 && settled.length === 1, 'A sent, B waiting');
      owned = false;
      sleeping[0]?.();
      await run;
    } finally {
      clock.sleep = () => Promise.resolve();
      for (const wake of sleeping) wake();
    }
    expect(teams.sent.map((j) => j.delivery.id)).toEqual([a]);
    expect(readDelivery(db, b)).toMatchObject({ state: 'pending' });
  });

  it('treats any other exception as transient', async () => {
    const a = delivery('slack', { displayName: 'A' });
    const b = delivery('slack', { displayName: 'B' });
    const slack = fakeMessenger('slack', (job) => {
      if (job.delivery.id === a) throw new TypeError('fetch failed');
      return Promise.reject('socket hang up'); // eslint-disable-line @typescript-eslint/prefer-promise-reject-errors
    });
    await makeWorker({ slack: slack.messenger }).runOnce();
    expect(readDelivery(db, a)).toMatchObject({ state: 'retrying', last_error: 'fetch failed' });
    expect(readDelivery(db, b)).toMatchObject({ state: 'retrying', last_error: 'socket hang up' });
  });

  it('gives up after maxAttempts: failed on email, email fallback on chat', async () => {
    const mail = delivery('email', { displayName: 'A', email: 'a@example.com' });
    const chat = delivery('slack', { displayName: 'B', email: 'b@example.com' });
    const down = () => Promise.reject(new DeliveryError('transient', 'HTTP 500'));
    const slack = fakeMessenger('slack', down);
    const email = fakeMessenger('email', down);
    const w = makeWorker({ slack: slack.messenger, email: email.messenger }, { maxAttempts: 3 });

    for (let i = 0; i < 3; i++) {
      await w.runOnce();
      clock.advance(BACKOFF.maxMs);
    }

    expect(readDelivery(db, mail)).toMatchObject({
      state: 'failed',
      attempts: 3,
      last_error: 'HTTP 500',
    });
    expect(readDelivery(db, chat)).toMatchObject({ state: 'failed', attempts: 3 });
    const fallback = readDeliveries(db).find((d) => d.fallback_of === chat);
    expect(fallback).toMatchObject({ channel: 'email', state: 'pending' });
    const outcomes = settled.filter((e) => e.delivery.id === mail).map((e) => e.outcome);
    expect(outcomes).toEqual(['retrying', 'retrying', 'failed']);
  });

  it('a permanent Teams failure falls back to email, which is then sent', async () => {
    const id = delivery('teams', { email: 'grace@example.com' });
    const teams = fakeMessenger('teams', failing(new DeliveryError('permanent', 'HTTP 403')));
    const email = fakeMessenger('email');
    const w = makeWorker({ teams: teams.messenger, email: email.messenger });

    await w.runOnce();
    expect(readDelivery(db, id)).toMatchObject({
      state: 'failed',
      attempts: 1,
      last_error: 'HTTP 403',
    });
    const fallbackId = settled[0]?.fallbackId;
    expect(settled[0]).toMatchObject({ outcome: 'failed', error: { kind: 'permanent' } });
    expect(fallbackId).toBeDefined();

    expect(await w.runOnce()).toBe(1);
    expect(email.sent.map((j) => [j.delivery.fallbackOf, j.person.email])).toEqual([
      [id, 'grace@example.com'],
    ]);
    expect(readDelivery(db, fallbackId!)).toMatchObject({ state: 'sent', channel: 'email' });
  });

  it('a permanent Slack failure without an email address is undeliverable', async () => {
    const id = delivery('slack', { email: null });
    const slack = fakeMessenger(
      'slack',
      failing(new DeliveryError('permanent', 'channel_not_found')),
    );
    await makeWorker({ slack: slack.messenger, email: fakeMessenger('email').messenger }).runOnce();
    expect(readDelivery(db, id)).toMatchObject({
      state: 'undeliverable',
      last_error: 'channel_not_found',
    });
    expect(readDeliveries(db)).toHaveLength(1);
    expect(settled).toMatchObject([{ outcome: 'undeliverable' }]);
  });

  it('a permanent email failure is undeliverable', async () => {
    const id = delivery('email', { email: 'nobody@example.com' });
    const email = fakeMessenger(
      'email',
      failing(new DeliveryError('permanent', '550 no such user')),
    );
    await makeWorker({ email: email.messenger }).runOnce();
    expect(readDelivery(db, id).state).toBe('undeliverable');
  });

  it('marks the person unreachable on the channel when the messenger says so', async () => {
    const id = delivery('slack', { email: null });
    const inactive = new DeliveryError('permanent', 'account_inactive', { unreachable: true });
    await makeWorker({ slack: fakeMessenger('slack', failing(inactive)).messenger }).runOnce();
    const personId = readDelivery(db, id).person_id;
    expect(readPerson(db, personId)).toEqual({ slack_reachable: 0, teams_reachable: 1 });
  });

  it('a channel without a messenger is a permanent failure that falls back', async () => {
    const id = delivery('teams', { email: 'grace@example.com' });
    const email = fakeMessenger('email');
    const w = makeWorker({ email: email.messenger });

    await w.runOnce();
    expect(readDelivery(db, id)).toMatchObject({
      state: 'failed',
      last_error: 'channel teams not configured',
    });
    await w.runOnce();
    expect(email.sent).toHaveLength(1);
  });

  it('takes over a claim whose lease expired, not one whose lease is live', async () => {
    const personA = seedPerson(db, { displayName: 'A' });
    const personB = seedPerson(db, { displayName: 'B' });
    const claim = { eventId, channel: 'slack', state: 'sending', attempts: 1 } as const;
    const crashed = seedDelivery(db, { ...claim, personId: personA, leaseUntil: T0 - 1 });
    const live = seedDelivery(db, { ...claim, personId: personB, leaseUntil: T0 + 10_000 });
    const slack = fakeMessenger('slack');

    expect(await makeWorker({ slack: slack.messenger }).runOnce()).toBe(1);
    expect(slack.sent.map((j) => j.delivery.id)).toEqual([crashed]);
    expect(readDelivery(db, crashed)).toMatchObject({ state: 'sent', attempts: 2 });
    expect(readDelivery(db, live)).toMatchObject({ state: 'sending', attempts: 1 });
  });

  it('does not send again when its own hung claim outlives the lease', async () => {
    const id = delivery('slack');
    let release!: () => void;
    const hung = new Promise<void>((resolve) => (release = resolve));
    const slack = fakeMessenger('slack', () => hung);
    const w = makeWorker({ slack: slack.messenger }, { leaseMs: 1_000 });

    const first = w.runOnce();
    await waitFor(() => slack.sent.length === 1, 'the send to start');
    clock.advance(5_000); // the lease has run out while the send is still going
    expect(await w.runOnce()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(slack.sent).toHaveLength(1);

    release();
    await first;
    expect(readDelivery(db, id).state).toBe('sent');
  });

  it('starts the sends of a batch one event-loop turn apart, letting waiting I/O in between', async () => {
    for (let i = 0; i < 3; i++) delivery('slack', { displayName: `P${i}` });
    const marks: string[] = [];
    const slack = fakeMessenger('slack', () => {
      marks.push('send');
      // I/O that became ready while this send was being started: it must not wait for the others.
      setImmediate(() => marks.push('io'));
    });
    expect(await makeWorker({ slack: slack.messenger }).runOnce()).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(marks).toEqual(['send', 'io', 'send', 'io', 'send', 'io']);
  });

  it('gives back the claims whose send had not started when stop() came', async () => {
    const ids = [0, 1, 2].map((i) => delivery('slack', { displayName: `P${i}` }));
    const slack = fakeMessenger('slack');
    const w = makeWorker({ slack: slack.messenger });
    const batch = w.runOnce(); // claimed; each send waits for its turn of the event loop
    await w.stop(1_000);
    await batch;
    expect(slack.sent).toHaveLength(0);
    for (const id of ids) {
      expect(readDelivery(db, id)).toMatchObject({
        state: 'pending',
        attempts: 0,
        lease_until: null,
      });
    }
    expect(await makeWorker({ slack: slack.messenger }).drain()).toBe(3);
    expect(slack.sent).toHaveLength(3);
  });

  it('claims no more than its concurrency at once', async () => {
    for (let i = 0; i < 5; i++) delivery('slack', { displayName: `P${i}` });
    const w = makeWorker({ slack: fakeMessenger('slack').messenger }, { concurrency: 2 });
    expect(await w.runOnce()).toBe(2);
    expect(await w.drain()).toBe(3);
    expect((await queue.counts()).sent).toBe(5);
  });

  it('gives each channel its own slots, so a stalled channel does not hold up the others', async () => {
    for (let i = 0; i < 3; i++) delivery('teams', { displayName: `T${i}` });
    for (let i = 0; i < 3; i++) delivery('email', { displayName: `E${i}` });
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    const teams = fakeMessenger('teams', () => stalled);
    const email = fakeMessenger('email');
    const w = makeWorker({ teams: teams.messenger, email: email.messenger }, { concurrency: 2 });

    const first = w.runOnce();
    // Two Teams sends hold both Teams slots; email still gets two of its own, twice over.
    await waitFor(() => teams.sent.length === 2 && email.sent.length === 2, 'the first sends');
    await waitFor(async () => (await queue.counts()).sent === 2, 'the first emails to be settled');
    expect(await w.runOnce()).toBe(1);
    expect(email.sent).toHaveLength(3);
    expect(teams.sent).toHaveLength(2);

    release();
    await first;
    expect(await w.drain()).toBe(1);
    expect((await queue.counts()).sent).toBe(6);
  });

  it('a busy lane waits for a quarter of its slots to free before it claims again', async () => {
    for (let i = 0; i < 12; i++) delivery('slack', { displayName: `P${i}` });
    const releases: (() => void)[] = [];
    const slack = fakeMessenger('slack', () => new Promise<void>((done) => releases.push(done)));
    const w = makeWorker(
      { slack: slack.messenger },
      { concurrency: 8, clock: realClock, pollMs: 60_000 },
    );
    w.start();
    await waitFor(() => slack.sent.length === 8, 'the first eight sends');

    releases[0]!();
    await waitFor(async () => (await queue.counts()).sent === 1, 'the first send to settle');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(slack.sent).toHaveLength(8); // one free slot of eight: not worth a claim yet

    releases[1]!();
    await waitFor(() => slack.sent.length === 10, 'a claim of two');
    while ((await queue.counts()).sent < 12) {
      for (const release of releases.splice(0)) release();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(slack.sent).toHaveLength(12);
  });

  it("waits out the messenger's rate limits on the clock before sending", async () => {
    for (let i = 0; i < 3; i++) delivery('slack', { displayName: `P${i}` });
    const workspace: RateLimit = { name: 'workspace', ratePerSecond: 1, burst: 1, key: () => 'W' };
    const slack = fakeMessenger('slack', () => {}, [workspace]);

    await makeWorker({ slack: slack.messenger }, { tickMs: 0 }).runOnce();

    expect(slack.sent).toHaveLength(3);
    // One token a second, paced at 97 %: the second send waits 1031 ms, the third queues behind it.
    expect(clock.sleeps).toEqual([1_031, 2_062]);
  });

  it('a send that waits for its turn leaves on the first tick at or after it', async () => {
    for (let i = 0; i < 3; i++) delivery('slack', { displayName: `P${i}` });
    const workspace: RateLimit = { name: 'workspace', ratePerSecond: 1, burst: 1, key: () => 'W' };
    const slack = fakeMessenger('slack', () => {}, [workspace]);

    const waits: number[] = [];
    const onRateLimitWait = (_: Channel, ms: number) => void waits.push(ms);
    await makeWorker({ slack: slack.messenger }, { onRateLimitWait }).runOnce();

    expect(slack.sent).toHaveLength(3);
    // Turns at 1031 and 2062 ms; the default ticks are 515 ms apart, and T0 is 405 ms past one:
    // the ticks after the turns are at 1,140 and 2,170 ms.
    expect((T0 + 1_140) % DEFAULT_TICK_MS).toBe(0);
    expect(clock.sleeps).toEqual([1_140, 2_170]);
    // The rate-limit wait reported is the sleep itself, to the tick.
    expect(waits).toEqual([1_140, 2_170]);
  });

  /** A promise and the function that fulfils it: a moment a fake send waits for. */
  const gate = (): [Promise<void>, () => void] => {
    let open = (): void => {};
    const opened = new Promise<void>((resolve) => (open = resolve));
    return [opened, open];
  };

  /**
   * `n` Teams deliveries under one tenant limit counted in a window, run on 100 ms ticks with a
   * clock the test moves: when each send left, in ms from T0.
   */
  const windowedRun = (
    n: number,
    ratePerSecond: number,
    window: RateLimit['window'],
    behave: Behaviour = () => {},
  ) => {
    const sleeping = new SleepingClock(T0);
    const limit: RateLimit = { name: 'tenant', ratePerSecond, burst: 1, key: () => 't', window };
    for (let i = 0; i < n; i++) delivery('teams', { displayName: `P${i}` });
    const leftAt: number[] = [];
    const teams = fakeMessenger(
      'teams',
      (job, wentOut) => {
        leftAt.push(sleeping.now() - T0);
        return behave(job, wentOut);
      },
      [limit],
    );
    const run = makeWorker({ teams: teams.messenger }, { clock: sleeping, tickMs: 100 }).runOnce();
    return { sleeping, leftAt, teams, run };
  };

  /**
   * {@link windowedRun} of `n` sends at 100/s, the clock moved a millisecond at a time, where the
   * requests of the people in `outAt` (by name) go out only at the given ms from T0, as if each
   * waited for a connection or the process stalled before writing it: when each send left.
   */
  const departingLate = async (
    n: number,
    window: RateLimit['window'],
    outAt: Record<string, number>,
  ): Promise<number[]> => {
    const gates = new Map(Object.entries(outAt).map(([name, at]) => [name, { at, gate: gate() }]));
    const { sleeping, leftAt, teams, run } = windowedRun(n, 100, window, async (job, wentOut) => {
      const late = gates.get(job.person.displayName);
      if (!late) return;
      await late.gate[0];
      wentOut?.();
    });
    await waitFor(() => teams.sent.length === 1 && sleeping.pending === 1, 'the rest waiting');
    for (let ms = 1; ms <= 1_300 && teams.sent.length < n; ms += 1) {
      sleeping.advance(1);
      for (const late of gates.values()) if (late.at === ms) late.gate[1]();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(() => teams.sent.length === n, 'every send');
    await run;
    return leftAt;
  };

  it('the sends whose turns fall in one tick share its one timer and leave together', async () => {
    // Booked 52 ms apart (20/s at 97 %); Teams-style, the platform counts 20 in any second.
    const { sleeping, leftAt, teams, run } = windowedRun(6, 20, { ms: 1_000, max: 20 });
    // The first leaves at once; the other five booked turns at 52, 104, 155, 207 and 258 ms.
    await waitFor(() => teams.sent.length === 1 && sleeping.pending === 3, 'five sends waiting');
    for (let tick = 1; tick <= 3; tick++) {
      sleeping.advance(100);
      await waitFor(() => teams.sent.length === 2 * tick, `the sends of tick ${tick}`);
    }
    await run;
    expect(leftAt).toEqual([0, 100, 200, 200, 300, 300]);
    expect(sleeping.pending).toBe(0);
  });

  it("holds a tick's sends back when the window a platform counts has no room for them", async () => {
    // Turns 10 ms apart, but at most 3 in any 1,030 ms: a second and a margin, as Teams is paced.
    const { sleeping, leftAt, teams, run } = windowedRun(5, 100, { ms: 1_030, max: 3 });
    await waitFor(() => teams.sent.length === 1 && sleeping.pending === 1, 'four sends waiting');
    for (let ms = 0; ms < 1_300 && teams.sent.length < 5; ms += 10) {
      sleeping.advance(10);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await waitFor(() => teams.sent.length === 5, 'every send');
    await run;
    // Two more on the first tick fill the window. The next two wait for a place in it, and leave
    // the moment one opens (1,030 ms after the first, 1,030 after the tick's two), not on the
    // ticks after: rounded up to ticks, each full window would last 1,100 ms.
    expect(leftAt).toEqual([0, 100, 100, 1_030, 1_130]);
  });

  it('sends held at the door for places that open a few ms apart leave together, on a 10 ms grid', async () => {
    // 3 in any 1,030 ms. The tick at 100 ms lets two through, whose requests go out at 106 and
    // 109 ms (waiting for a connection): their places open again at 1,136 and 1,139 ms.
    const leftAt = await departingLate(6, { ms: 1_030, max: 3 }, { P1: 106, P2: 109 });
    // Waiting to the millisecond, the last two would leave apart, at 1,136 and 1,139, each on a
    // timer of its own, and their places would open apart again a window later.
    expect(leftAt).toEqual([0, 100, 100, 1_030, 1_140, 1_140]);
  });

  it(`a request that goes out less than ${LATE_DEPARTURE_MS} ms after its turn counts at its turn; one later, from when it went out`, async () => {
    // 3 in any 1,030 ms. P0's request goes out 4 ms after its turn (written after the others of
    // its tick); P1's, at the tick at 100 ms, only at 150 (the process stalled before writing it).
    const leftAt = await departingLate(6, { ms: 1_030, max: 3 }, { P0: 4, P1: 150 });
    // The fourth leaves once P0's place opens, 1,030 ms after its turn (not 1,034 after it went
    // out: on the grid, 1,040); the fifth once P2's opens (it went out at its turn, 100); the
    // sixth once P1's, 1,030 ms after it went out (counted at its turn, it would leave at 1,130).
    expect(leftAt).toEqual([0, 100, 100, 1_030, 1_130, 1_180]);
  });

  it('a send whose request went out late (a token, a new connection) counts in the window from when it went out', async () => {
    // 3 in any 1,030 ms, as above; but the first send's request went out only at 80 ms.
    const [handshake, connected] = gate();
    const { sleeping, leftAt, teams, run } = windowedRun(
      5,
      100,
      { ms: 1_030, max: 3 },
      async (job, wentOut) => {
        if (job.person.displayName !== 'P0') return;
        await handshake;
        wentOut?.();
      },
    );
    await waitFor(() => teams.sent.length === 1 && sleeping.pending === 1, 'four sends waiting');
    for (let ms = 0; ms < 1_300 && teams.sent.length < 5; ms += 10) {
      sleeping.advance(10);
      if (ms + 10 === 80) connected();
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await waitFor(() => teams.sent.length === 5, 'every send');
    await run;
    // The platform saw the first at 80 ms: the fourth waits for it to leave the window, at 1,110,
    // not at 1,030 as if it had arrived when it was let through. It counts once: counted at 0 and
    // again at 80, the window would have no room for the tick's second send at 100.
    expect(leftAt).toEqual([0, 100, 100, 1_110, 1_130]);
  });

  it('a send held at the door that a 429 then pauses books its new turn on the ticks again', async () => {
    // 3 in any 1,030 ms: the fourth send is held until 1,030 ms. Meanwhile the third is answered
    // 429 (at 600 ms, Retry-After 455 ms: paused until 1,055 ms).
    let answer429 = (): void => {};
    const refused = new Promise<void>((resolve) => (answer429 = resolve));
    const rateLimited = new DeliveryError('transient', 'HTTP 429', { retryAfterMs: 455 });
    const { sleeping, leftAt, teams, run } = windowedRun(
      4,
      100,
      { ms: 1_030, max: 3 },
      async (job) => {
        if (job.person.displayName !== 'P2') return;
        await refused;
        throw rateLimited;
      },
    );
    await waitFor(() => teams.sent.length === 1 && sleeping.pending === 1, 'three sends waiting');
    for (let ms = 0; ms < 1_300 && teams.sent.length < 4; ms += 5) {
      sleeping.advance(5);
      if (ms + 5 === 600) answer429();
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await waitFor(() => teams.sent.length === 4, 'every send');
    await run;
    // It wakes at 1,030 into the pause and books again behind it, at 1,055: that turn is a
    // limiter's, so it leaves on the tick after it like any other, not on a timer of its own.
    expect(leftAt).toEqual([0, 100, 100, 1_100]);
  });

  it('a throwing onSettled is logged, not propagated', async () => {
    const id = delivery('slack');
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const w = makeWorker(
      { slack: fakeMessenger('slack').messenger },
      {
        logger,
        onSettled: () => {
          throw new Error('metrics broke');
        },
      },
    );
    expect(await w.runOnce()).toBe(1);
    expect(readDelivery(db, id).state).toBe('sent');
    expect(logger.error).toHaveBeenCalledOnce();
  });
});

describe('DeliveryWorker loop', () => {
  it('an idle sleep cut short by a wake-up leaves no timer behind', async () => {
    // Each wake-up (work enqueued, a send settled) ends the loop's idle sleep and starts a new one;
    // a timer left behind by each would fire later as a wake-up of the process of its own.
    const sleeping = new SleepingClock(T0);
    const w = makeWorker({ slack: fakeMessenger('slack').messenger }, { clock: sleeping });
    w.start();
    for (let i = 0; i < 20; i++) {
      w.wake();
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(sleeping.pending).toBeLessThanOrEqual(1);
  });

  it('asks a drained lane again once a poll, DEFAULT_POLL_MS, and a due time exactly', async () => {
    const sleeping = new SleepingClock(T0);
    const asked: number[] = [];
    const counting: DeliveryQueue = Object.assign(Object.create(queue) as SqlDeliveryQueue, {
      claimDue: (channel: Channel, now: number, limit: number, leaseMs: number) => {
        if (channel === 'slack') asked.push(now - T0);
        return queue.claimDue(channel, now, limit, leaseMs);
      },
    });
    const slack = fakeMessenger('slack');
    const w = makeWorker({ slack: slack.messenger }, { queue: counting, clock: sleeping });
    w.start();
    await waitFor(() => asked.length === 1 && sleeping.pending === 1, 'the first, empty claim');
    sleeping.advance(DEFAULT_POLL_MS - 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(asked).toEqual([0]);
    // Written meanwhile by another process, untold (no NOTIFY on SQLite): due before the next
    // poll but after this one, which finds it and sleeps to its due time exactly.
    const id = seedDelivery(db, {
      eventId,
      personId: seedPerson(db, { slackUserId: 'U1' }),
      channel: 'slack',
      nextAttemptAt: T0 + DEFAULT_POLL_MS + 700,
    });
    sleeping.advance(1);
    await waitFor(() => asked.length === 2 && sleeping.pending === 1, 'the poll');
    sleeping.advance(699);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(readDelivery(db, id).state).toBe('pending');
    sleeping.advance(1);
    await waitFor(() => readDelivery(db, id).state === 'sent', 'the delivery, when due');
    // Drained again: the next question comes a poll after the last.
    sleeping.advance(DEFAULT_POLL_MS - 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(asked).toEqual([0, 2_000, 2_700]);
    sleeping.advance(1);
    await waitFor(() => asked.length === 4, 'the next poll');
    expect(asked).toEqual([0, 2_000, 2_700, 4_700]);
    expect(DEFAULT_POLL_MS).toBe(2_000);
  });

  it('start() sends what is due, and wake() claims new work without waiting for the poll', async () => {
    const first = seedDelivery(db, {
      eventId,
      personId: seedPerson(db, { displayName: 'A' }),
      channel: 'slack',
      nextAttemptAt: 0,
    });
    const w = makeWorker(
      { slack: fakeMessenger('slack').messenger },
      { clock: realClock, pollMs: 60_000 },
    );
    w.start();
    await waitFor(() => readDelivery(db, first).state === 'sent', 'the first delivery');

    const second = seedDelivery(db, {
      eventId,
      personId: seedPerson(db, { displayName: 'B' }),
      channel: 'slack',
      nextAttemptAt: 0,
    });
    w.wake();
    await waitFor(() => readDelivery(db, second).state === 'sent', 'the woken delivery');
  });

  it('stop() waits for sends in flight', async () => {
    const id = delivery('slack');
    let release!: () => void;
    const inFlight = new Promise<void>((resolve) => (release = resolve));
    const slack = fakeMessenger('slack', () => inFlight);
    const w = makeWorker({ slack: slack.messenger }, { clock: realClock });
    w.start();
    await waitFor(() => slack.sent.length === 1, 'the send to start');

    let stopped = false;
    const stopping = w.stop(10_000).then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    expect(readDelivery(db, id).state).toBe('sending');

    release();
    await stopping;
    expect(readDelivery(db, id).state).toBe('sent');
  });

  it('stop() during a claim gives that claim back, claims nothing more, and returns after', async () => {
    const id = delivery('slack');
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const asked: Channel[] = [];
    const slow: DeliveryQueue = Object.assign(Object.create(queue) as SqlDeliveryQueue, {
      claimDue: async (channel: Channel, now: number, limit: number, leaseMs: number) => {
        asked.push(channel);
        await gate; // the database is slow to answer
        return queue.claimDue(channel, now, limit, leaseMs);
      },
    });
    const slack = fakeMessenger('slack');
    const w = makeWorker(
      { slack: slack.messenger },
      { queue: slow, clock: realClock, pollMs: 60_000 },
    );
    w.start();
    await waitFor(() => asked.length === 1, 'the first claim to be asked for');

    let stopped = false;
    const stopping = w.stop(5_000).then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false); // the claim has not come back yet
    open();
    await stopping;

    expect(asked).toEqual(['slack']); // the loop went no further once stopped
    expect(slack.sent).toHaveLength(0);
    expect(readDelivery(db, id)).toMatchObject({
      state: 'pending',
      attempts: 0,
      lease_until: null,
    });
  });

  it('stop() resolves after its timeout when a send hangs, leaving the claim to its lease', async () => {
    const id = delivery('slack');
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const slack = fakeMessenger('slack', () => new Promise<void>(() => {}));
    const w = makeWorker({ slack: slack.messenger }, { clock: realClock, logger });
    w.start();
    await waitFor(() => slack.sent.length === 1, 'the send to start');

    await w.stop(20);
    worker = undefined; // already stopped: afterEach need not wait for the hung send again
    expect(readDelivery(db, id).state).toBe('sending');
    expect(logger.warn).toHaveBeenCalled();
  });

  it('can be started again after a stop, with a single loop', async () => {
    const claims = vi.spyOn(queue, 'claimDue');
    const w = makeWorker(
      { slack: fakeMessenger('slack').messenger },
      { clock: realClock, pollMs: 60_000 },
    );
    w.start();
    const stopping = w.stop(1_000);
    w.start(); // before the old loop has even noticed the stop
    await stopping;
    // One claim per start: the old loop ended instead of going round again beside the new one.
    expect(claims.mock.calls.filter(([channel]) => channel === 'slack')).toHaveLength(2);

    const id = delivery('slack');
    w.wake();
    await waitFor(() => readDelivery(db, id).state === 'sent', 'the delivery');
  });

  it('does not claim a drained lane on every settlement of another, yet its fallbacks and retries go out at once', async () => {
    const claims = vi.spyOn(queue, 'claimDue');
    const slackIds = Array.from({ length: 40 }, (_, i) =>
      delivery('slack', { slackUserId: `U${i}`, email: `p${i}@example.com` }),
    );
    // Paced about 5 ms apart, so each send settles (and frees a slot) on its own.
    const slack = fakeMessenger(
      'slack',
      (job) => {
        if (job.delivery.id === slackIds[0]) throw new DeliveryError('permanent', 'slack: gone');
        if (job.delivery.id === slackIds[1] && job.delivery.attempts === 1) {
          throw new DeliveryError('transient', 'slack: busy');
        }
      },
      [{ name: 'workspace', ratePerSecond: 200, burst: 1, key: () => '' }],
    );
    const email = fakeMessenger('email');
    const w = makeWorker(
      { slack: slack.messenger, email: email.messenger },
      { clock: realClock, pollMs: 60_000, backoff: { baseMs: 10, maxMs: 20 } },
    );
    w.start();
    // The first slack delivery failed for good: its email fallback went out without a poll.
    await waitFor(() => email.sent.length === 1, 'the email fallback');
    expect(email.sent[0]!.delivery.fallbackOf).toBe(slackIds[0]);
    // The retried one went out on its backoff, not at the next poll a minute later.
    await waitFor(
      () => slackIds.slice(1).every((id) => readDelivery(db, id).state === 'sent'),
      'every other slack delivery, the retried one included',
    );
    expect(readDelivery(db, slackIds[1]!).attempts).toBe(2);
    // The email lane was claimed at the start (empty), for the fallback (and once more to find it
    // empty again): not once per slack settlement.
    const emailClaims = claims.mock.calls.filter(([channel]) => channel === 'email').length;
    expect(emailClaims).toBeGreaterThanOrEqual(2);
    expect(emailClaims).toBeLessThanOrEqual(4);
  });

  it('keeps running when the queue throws', async () => {
    const id = delivery('slack');
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    let failures = 2;
    const flaky: DeliveryQueue = Object.assign(Object.create(queue) as SqlDeliveryQueue, {
      claimDue: (channel: Channel, now: number, limit: number, leaseMs: number) => {
        if (failures-- > 0) {
          // Once thrown at once, once as a rejection: either way the queue failed.
          if (failures === 1) throw new Error('SQLITE_BUSY');
          return Promise.reject(new Error('SQLITE_BUSY'));
        }
        return queue.claimDue(channel, now, limit, leaseMs);
      },
    });
    const w = makeWorker(
      { slack: fakeMessenger('slack').messenger },
      { queue: flaky, clock: realClock, pollMs: 10, logger },
    );
    w.start();
    await waitFor(() => readDelivery(db, id).state === 'sent', 'the delivery');
    // Both failures happened; while the database keeps failing, one line says so (not one a poll).
    expect(failures).toBeLessThan(0);
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(String(logger.error.mock.calls[0]?.[1])).toMatch(/claiming on slack failed; retrying/);
  });
});
