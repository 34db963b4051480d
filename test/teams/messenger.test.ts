import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTeamsAdapter } from '../../adapters/teams/create-adapter.js';
import { TeamsDirectMessenger } from '../../adapters/teams/direct-messenger.js';
import type { DeliveryJob } from '../../src/delivery/ports.js';
import { RateLimiter } from '../../src/delivery/rate-limiter.js';
import { DEFAULT_TICK_MS } from '../../src/delivery/worker.js';
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

  it("paced by the engine, its limits keep inside every window Teams counts, at ≥ 95 % of the tenant's rate", () => {
    const j = job(fake.url);
    expect(messenger.limits.map((l) => [l.name, l.key(j)])).toEqual([
      ['conversation', CONVERSATION],
      ['tenant', 'tenant-1'],
    ]);
    /** When each of `n` sends leaves, as the engine's limiter books them from time 0. */
    const departures = (n: number, conversationOf: (i: number) => string): number[] => {
      const limiter = new RateLimiter();
      let now = 0;
      return Array.from({ length: n }, (_, i) => {
        const ref = JSON.parse(j.person.teamsConversationRef ?? '{}') as {
          conversation: { id: string };
        };
        ref.conversation.id = conversationOf(i);
        const each = { ...j, person: { ...j.person, teamsConversationRef: JSON.stringify(ref) } };
        now += limiter.reserve('teams', messenger.limits, each, now);
        return now;
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
    const one = departures(2000, () => CONVERSATION);
    for (const { seconds, max } of TEAMS_SEND_PER_THREAD.windows) {
      expect(most(one, seconds * 1000), `${max} in ${seconds} s`).toBeLessThanOrEqual(max);
    }
    const tenant = departures(3000, (i) => `a:conversation-${i}`);
    expect(most(tenant, 1000)).toBeLessThanOrEqual(TEAMS_TENANT_PER_SECOND);
    const rate = (tenant.length - 1) / (((tenant.at(-1) ?? 0) - (tenant[0] ?? 0)) / 1000);
    expect(rate).toBeGreaterThanOrEqual(0.95 * TEAMS_TENANT_PER_SECOND);
  });

  it("its tenant's window at the door is two of the engine's ticks", () => {
    // A tick's sends then find the places of the sends two ticks before just freed: on ticks that
    // do not divide it, every tick's sends were held at the door and left one by one.
    const tenant = messenger.limits.find((l) => l.name === 'tenant');
    expect(tenant?.window?.ms).toBe(2 * DEFAULT_TICK_MS);
  });
});
