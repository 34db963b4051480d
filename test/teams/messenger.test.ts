import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTeamsAdapter } from '../../adapters/teams/create-adapter.js';
import { TeamsDirectMessenger } from '../../adapters/teams/direct-messenger.js';
import type { DeliveryJob } from '../../src/delivery/ports.js';
import { RateLimiter } from '../../src/delivery/rate-limiter.js';
import { DEFAULT_TICK_MS, DOOR_GRID_MS } from '../../src/delivery/worker.js';
import type { Person } from '../../src/domain/types.js';
import { silentLogger } from '../../src/logger.js';
import { FakeConnector } from '../support/fake-connector.js';
import { TEAMS_SEND_PER_THREAD, TEAMS_TENANT_PER_SECOND } from '../support/platform-limits.js';
import { deliveryFailure } from '../support/delivery-failure.js';

const CONVERSATION = 'a:personal-ann';

function job(serviceUrl: string, overrides: Partial<Person> = {}): DeliveryJob {
  const person: Person = {
    id: 7,
    displayName: 'Ann',
    email: 'ann@corp.example',
    slackUserId: null,
    teamsAadId: 'aad-ann',
    teamsConversationRef: JSON.stringify({
      channelId: 'msteams',
      serviceUrl,
      bot: { id: '28:herald-bot', name: 'Herald' },
      user: { id: '29:ann', name: 'Ann', aadObjectId: 'aad-ann' },
      conversation: { id: CONVERSATION, conversationType: 'personal', tenantId: 'tenant-1' },
    }),
    slackReachable: false,
    teamsReachable: true,
    role: 'stakeholder',
    preferences: null,
    ...overrides,
  };
  const at = Date.UTC(2026, 0, 2, 10, 30);
  return {
    person,
    threadRootId: null,
    delivery: {
      id: 1,
      eventId: 1,
      personId: 7,
      channel: 'teams',
      idempotencyKey: '1:7:teams',
      state: 'sending',
      attempts: 1,
      nextAttemptAt: at,
      leaseUntil: null,
      lastError: null,
      fallbackOf: null,
      sentAt: null,
      createdAt: at,
    },
    event: {
      id: 1,
      incidentId: 42,
      kind: 'update',
      createdAt: at,
      payload: {
        kind: 'update',
        incident: {
          id: 42,
          title: 'Checkout errors',
          summary: 'Some payments fail.',
          severity: 'SEV2',
          service: 'checkout',
          status: 'open',
        },
        text: 'Fix deployed, watching.',
        at,
        by: 'Rita',
      },
    },
  };
}

let fake: FakeConnector;
let messenger: TeamsDirectMessenger;
beforeEach(async () => {
  fake = await FakeConnector.start();
  const adapter = createTeamsAdapter(
    { appId: null, appPassword: null, tenantId: null, allowUnauthenticated: true },
    silentLogger,
  );
  messenger = new TeamsDirectMessenger(adapter, '');
});
afterEach(async () => {
  await fake.close();
});

describe('TeamsDirectMessenger', () => {
  it('sends one proactive card with the incident facts and a text fallback', async () => {
    await messenger.send(job(fake.url));
    const [sent] = fake.sentTo(CONVERSATION);
    expect(fake.sentTo(CONVERSATION)).toHaveLength(1);
    expect(sent!.activity).toMatchObject({
      type: 'message',
      text: 'Update on incident #42: Checkout errors',
      summary: 'Update on incident #42: Checkout errors',
    });
    const card = JSON.stringify(fake.cardsIn(CONVERSATION)[0]);
    for (const fact of [
      '#42 Checkout errors',
      'Open',
      'SEV2',
      'checkout',
      'Some payments fail',
      'Fix deployed, watching',
      '2026-01-02 10:30 UTC',
      '"version":"1.5"',
    ]) {
      expect(card).toContain(fact);
    }
    expect(fake.cardErrors).toEqual([]);
  });

  it('403 MessageWritesBlocked and 404 ConversationNotFound: permanent, the person is unreachable on Teams', async () => {
    fake.failNext(CONVERSATION, 1, { status: 403 });
    fake.failNext(CONVERSATION, 1, { status: 404 });
    const blocked = await deliveryFailure(messenger.send(job(fake.url)));
    expect(blocked).toMatchObject({ kind: 'permanent', options: { unreachable: true } });
    expect(blocked.message).toContain('MessageWritesBlocked');
    const gone = await deliveryFailure(messenger.send(job(fake.url)));
    expect(gone).toMatchObject({ kind: 'permanent', options: { unreachable: true } });
    expect(gone.message).toContain('ConversationNotFound');
    expect(fake.sendAttempts(CONVERSATION)).toHaveLength(2);
  });

  it('429 is transient with its Retry-After, and the SDK does not wait it out and retry by itself', async () => {
    fake.failNext(CONVERSATION, 1, { status: 429, retryAfter: '7' });
    const err = await deliveryFailure(messenger.send(job(fake.url)));
    expect(err).toMatchObject({ kind: 'transient', options: { retryAfterMs: 7000 } });
    expect(fake.sendAttempts(CONVERSATION)).toHaveLength(1);
  });

  it('5xx is transient and tried exactly once: the engine owns retries', async () => {
    fake.failNext(CONVERSATION, 1, { status: 500 });
    fake.failNext(CONVERSATION, 1, { status: 503 });
    expect(await deliveryFailure(messenger.send(job(fake.url)))).toMatchObject({
      kind: 'transient',
    });
    expect(await deliveryFailure(messenger.send(job(fake.url)))).toMatchObject({
      kind: 'transient',
    });
    expect(fake.sendAttempts(CONVERSATION).map((r) => r.status)).toEqual([500, 503]);
    expect(fake.sentTo(CONVERSATION)).toEqual([]);
  });

  it('a connector that does not answer is a transient failure', async () => {
    // A port that was free a moment ago: the connection is refused.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = s.address() as { port: number };
        s.close(() => resolve(p));
      });
    });
    const err = await deliveryFailure(messenger.send(job(`http://127.0.0.1:${port}/`)));
    expect(err.kind).toBe('transient');
  });

  it('no stored conversation reference: permanent and unreachable, without a request', async () => {
    const err = await deliveryFailure(
      messenger.send(job(fake.url, { teamsConversationRef: null })),
    );
    expect(err).toMatchObject({ kind: 'permanent', options: { unreachable: true } });
    expect(fake.requests).toEqual([]);
  });

  /** `job` to Teams conversation `id`. */
  const toConversation = (j: DeliveryJob, id: string): DeliveryJob => {
    const ref = JSON.parse(j.person.teamsConversationRef ?? '{}') as {
      conversation: { id: string };
    };
    ref.conversation.id = id;
    return { ...j, person: { ...j.person, teamsConversationRef: JSON.stringify(ref) } };
  };

  /**
   * `n` sends to the conversations `conversationOf` names, each with its turn as the engine's
   * limiter books them from time 0.
   */
  const bookedTurns = (n: number, conversationOf: (i: number) => string) => {
    const j = job(fake.url);
    const limiter = new RateLimiter();
    let now = 0;
    return Array.from({ length: n }, (_, i) => {
      const each = toConversation(j, conversationOf(i));
      now += limiter.reserve('teams', messenger.limits, each, now);
      return { job: each, turn: now };
    });
  };

  /** The most sends in any window of `ms` (closed at both ends, as the strictest count). */
  const most = (times: number[], ms: number): number => {
    let max = 0;
    for (let a = 0, b = 0; b < times.length; b += 1) {
      while ((times[b] ?? 0) - (times[a] ?? 0) > ms) a += 1;
      max = Math.max(max, b - a + 1);
    }
    return max;
  };

  it("paced by the engine, its limits keep inside every window Teams counts, at ≥ 95 % of the tenant's rate", () => {
    const j = job(fake.url);
    expect(messenger.limits.map((l) => [l.name, l.key(j)])).toEqual([
      ['conversation', CONVERSATION],
      ['tenant', 'tenant-1'],
    ]);
    const one = bookedTurns(2000, () => CONVERSATION).map((s) => s.turn);
    for (const { seconds, max } of TEAMS_SEND_PER_THREAD.windows) {
      expect(most(one, seconds * 1000), `${max} in ${seconds} s`).toBeLessThanOrEqual(max);
    }
    const tenant = bookedTurns(3000, (i) => `a:conversation-${i}`).map((s) => s.turn);
    expect(most(tenant, 1000)).toBeLessThanOrEqual(TEAMS_TENANT_PER_SECOND);
    const rate = (tenant.length - 1) / (((tenant.at(-1) ?? 0) - (tenant[0] ?? 0)) / 1000);
    expect(rate).toBeGreaterThanOrEqual(0.95 * TEAMS_TENANT_PER_SECOND);
  });

  it("a tick's sends, leaving up to 20 ms after it, all find room at the tenant's door", () => {
    // As the engine runs them: each send wakes on the first tick at or after its turn, and a
    // tick's sends leave one after another within the next 20 ms. One the door holds wakes again
    // on its 10 ms grid once a place frees, and leaves then: on a wake-up of its own, and later
    // than its tick, so that its place frees late again a window on. With a window of two ticks
    // (1,030 ms) the door held these 3,000 sends 3,348 times.
    const attempts = bookedTurns(3000, (i) => `a:conversation-${i}`).map(({ job: each, turn }) => ({
      job: each,
      at: Math.ceil(turn / DEFAULT_TICK_MS) * DEFAULT_TICK_MS,
    }));
    // How long each tick's sends take to leave, in turn: the other lanes' sends of the tick, or
    // a request waiting for its connection, make it longer at some ticks than at others.
    const spreads = [2, 20, 3, 2, 12, 20, 2, 6];
    for (let i = 0, t = 0; i < attempts.length; t += 1) {
      const tick = attempts[i]!.at;
      let n = 0;
      while (attempts[i + n]?.at === tick) n += 1;
      const spread = spreads[t % spreads.length]!;
      for (let k = 0; k < n; k++) attempts[i + k]!.at = tick + (spread * k) / Math.max(1, n - 1);
      i += n;
    }
    const door = new RateLimiter();
    let held = 0;
    const left: number[] = [];
    // In time order; a held send goes back in at the moment it wakes again.
    attempts.sort((x, y) => x.at - y.at);
    while (attempts.length > 0) {
      const next = attempts.shift()!;
      const wait = door.admit('teams', messenger.limits, next.job, next.at);
      if (wait === 0) {
        left.push(next.at);
        continue;
      }
      held += 1;
      const at = Math.ceil((next.at + wait) / DOOR_GRID_MS) * DOOR_GRID_MS;
      const after = attempts.findIndex((a) => a.at > at);
      attempts.splice(after === -1 ? attempts.length : after, 0, { job: next.job, at });
    }
    expect(left).toHaveLength(3000);
    expect(held).toBe(0);
    // What the door lets through keeps inside Teams' second.
    expect(most(left, 1_000)).toBeLessThanOrEqual(TEAMS_TENANT_PER_SECOND);
  });
});
