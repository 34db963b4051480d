import { MsalAppCredentials } from 'botframework-connector';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectorRest } from '../../adapters/teams/connector-rest.js';
import { createTeamsAdapter } from '../../adapters/teams/create-adapter.js';
import { TeamsDirectMessenger } from '../../adapters/teams/direct-messenger.js';
import { notificationMessage } from '../../adapters/teams/notification-message.js';
import type { DeliveryJob } from '../../src/delivery/ports.js';
import type { EventKind } from '../../src/domain/types.js';
import { silentLogger } from '../../src/logger.js';
import { incidentLinker, messageLink } from '../../src/stakeholder-link.js';
import { FakeConnector } from '../support/fake-connector.js';
import { deliveryFailure } from '../support/delivery-failure.js';
import { specsAvailable } from '../support/specs.js';

// The proactive messenger's own connector call (adapters/teams/connector-rest.ts): what it posts,
// against what botbuilder's turn posted, how it authenticates, and how each failure is classified.

const AT = Date.UTC(2026, 0, 2, 10, 30);
const linker = incidentLinker('k'.repeat(32), 'https://herald.corp.example', () => AT);
const noAuth = { appId: null, appPassword: null, tenantId: null, allowUnauthenticated: true };

/** A job for person `n` (own 1:1 conversation) about event `eventId`. */
function job(
  serviceUrl: string,
  n = 1,
  opts: { eventId?: number; kind?: EventKind; title?: string; createdAt?: number } = {},
): DeliveryJob {
  const kind = opts.kind ?? 'update';
  const eventId = opts.eventId ?? 1;
  const createdAt = opts.createdAt ?? AT;
  return {
    threadRootId: null,
    person: {
      id: n,
      displayName: `Person ${n}`,
      email: `p${n}@corp.example`,
      slackUserId: null,
      teamsAadId: `aad-${n}`,
      teamsConversationRef: JSON.stringify({
        channelId: 'msteams',
        locale: 'en-GB',
        serviceUrl,
        bot: { id: '28:herald-bot', name: 'Herald' },
        user: { id: `29:p${n}`, name: `Person ${n}`, aadObjectId: `aad-${n}` },
        conversation: { id: `a:personal-${n}`, conversationType: 'personal', tenantId: 't-1' },
      }),
      slackReachable: false,
      teamsReachable: true,
      role: 'stakeholder',
      preferences: null,
    },
    delivery: {
      id: n,
      eventId,
      personId: n,
      channel: 'teams',
      idempotencyKey: `${eventId}:${n}:teams`,
      state: 'sending',
      attempts: 1,
      nextAttemptAt: createdAt,
      leaseUntil: null,
      lastError: null,
      fallbackOf: null,
      sentAt: null,
      createdAt,
    },
    event: {
      id: eventId,
      incidentId: 42,
      kind,
      createdAt,
      payload: {
        kind,
        incident: {
          id: 42,
          title: opts.title ?? 'Checkout <errors> & "retries"',
          summary: 'Some payments fail; see https://status.example.com',
          severity: 'SEV2',
          service: 'checkout',
          status: kind === 'resolved' ? 'resolved' : 'open',
        },
        text: kind === 'subscribed' ? null : 'Fix *deployed*, watching.',
        at: createdAt,
        by: 'Rita',
      },
    },
  };
}

let fake: FakeConnector;
let messenger: TeamsDirectMessenger;
beforeEach(async () => {
  fake = await FakeConnector.start();
  messenger = new TeamsDirectMessenger(createTeamsAdapter(noAuth, silentLogger), '', linker, {
    timeoutMs: 300,
  });
});
afterEach(async () => {
  messenger.close();
  await fake.close();
  vi.restoreAllMocks();
});

describe('the proactive message the messenger posts', () => {
  it.each<EventKind>(['subscribed', 'update', 'resolved', 'reminder'])(
    '%s: the same activity botbuilder’s turn posted, without its reply to a made-up activity id',
    async (kind) => {
      const j = job(`${fake.url}amer/`, 3, { kind });
      // What Herald sent before: a continued conversation and `turn.sendActivity`.
      const adapter = createTeamsAdapter(noAuth, silentLogger);
      const reference = JSON.parse(j.person.teamsConversationRef ?? '') as never;
      await adapter.continueConversationAsync('', reference, async (turn) => {
        await turn.sendActivity(notificationMessage(j.event.payload, messageLink(linker, j)));
      });
      await messenger.send(j);

      const [sdk, own] = fake.sentTo('a:personal-3');
      const { replyToId, ...sdkActivity } = sdk!.activity;
      expect(sdk!.replyToId).toBe(replyToId);
      expect(own!.activity).toEqual(sdkActivity);
      expect(own!.replyToId).toBeNull();
      expect(fake.requests.map((r) => [r.prefix, r.path])).toEqual([
        ['/amer/', `/v3/conversations/a%3Apersonal-3/activities/${String(replyToId)}`],
        ['/amer/', '/v3/conversations/a%3Apersonal-3/activities'],
      ]);
      expect(fake.activityErrors).toEqual([]);
      expect(fake.cardErrors).toEqual([]);
    },
  );

  it('one event to many people: each card carries its reader’s own link, the rest is the same', async () => {
    for (let n = 1; n <= 3; n += 1) await messenger.send(job(fake.url, n));
    const cards = [1, 2, 3].map((n) => fake.cardsIn(`a:personal-${n}`)[0]!);
    const links = cards.map((c) => (c.actions as Array<{ url: string }>)[0]!.url);
    expect(links).toEqual([1, 2, 3].map((n) => messageLink(linker, job(fake.url, n))));
    expect(new Set(links).size).toBe(3);
    const withoutLink = cards.map((c) => JSON.stringify({ ...c, actions: null }));
    expect(new Set(withoutLink).size).toBe(1);
    expect(fake.sentTo('a:personal-2')[0]!.activity.recipient).toEqual({
      id: '29:p2',
      name: 'Person 2',
      aadObjectId: 'aad-2',
    });
  });

  it('an event id seen before with another creation time (another database) is rendered anew', async () => {
    await messenger.send(job(fake.url, 1, { title: 'First' }));
    await messenger.send(job(fake.url, 2, { title: 'Second', createdAt: AT + 1 }));
    expect(JSON.stringify(fake.cardsIn('a:personal-1'))).toContain('First');
    expect(JSON.stringify(fake.cardsIn('a:personal-2'))).toContain('Second');
  });

  it('with authentication off, no Authorization header, as botbuilder sent none', async () => {
    await messenger.send(job(fake.url));
    expect(fake.requests.map((r) => r.authorization)).toEqual([null]);
  });
});

describe('connections', () => {
  it('sends reuse one keep-alive connection, and a few in parallel stay a few', async () => {
    for (let n = 1; n <= 20; n += 1) await messenger.send(job(fake.url, n));
    expect(fake.connections).toBe(1);
    await Promise.all([21, 22, 23, 24, 25].map((n) => messenger.send(job(fake.url, n))));
    expect(fake.connections).toBeLessThanOrEqual(5);
    expect(fake.activities).toHaveLength(25);
  });
});

describe('connector origins', () => {
  /** A send of a bare message to conversation `a:c` at `serviceUrl`. */
  const post = (rest: ConnectorRest, serviceUrl: string) =>
    rest.sendToConversation({
      serviceUrl,
      conversationId: 'a:c',
      body: JSON.stringify({ type: 'message', text: 'hi' }),
      token: null,
    });

  it('past the cap, the origin used least recently is let go: its idle connections close at once, and close() still reaches a send in flight', async () => {
    const [b, c] = [await FakeConnector.start(), await FakeConnector.start()];
    const rest = new ConnectorRest(5_000, 2);
    try {
      await post(rest, fake.url);
      await post(rest, b.url);
      await post(rest, fake.url);
      expect([fake.openConnections, b.openConnections]).toEqual([1, 1]);
      // A third origin: b, used least recently, is retired, and its idle connection closed.
      c.dropNext('a:c', 1, 'hang');
      const hanging = post(rest, c.url);
      await expect.poll(() => b.openConnections).toBe(0);
      expect([fake.openConnections, c.openConnections]).toEqual([1, 1]);
      // b again: a new connection; fake, now the least recently used, is retired.
      await post(rest, b.url);
      await expect.poll(() => fake.openConnections).toBe(0);
      expect(b.connections).toBe(2);
      // c, retired next, still has a send in flight: close() reaches it all the same.
      await post(rest, fake.url);
      expect(c.openConnections).toBe(1);
      rest.close();
      await expect(hanging).rejects.toMatchObject({ code: 'ECONNRESET' });
      await expect.poll(() => c.openConnections + b.openConnections + fake.openConnections).toBe(0);
      expect([fake, b, c].map((f) => f.activities.length)).toEqual([3, 2, 0]);
    } finally {
      rest.close();
      await Promise.all([b.close(), c.close()]);
    }
  });
});

describe('failures, classified as the SDK’s were, each sent once', () => {
  it.each([
    [
      { status: 403 },
      'permanent',
      { unreachable: true },
      'Teams connector 403 MessageWritesBlocked: MessageWritesBlocked',
    ],
    [
      { status: 404 },
      'permanent',
      { unreachable: true },
      'Teams connector 404 ConversationNotFound: ConversationNotFound',
    ],
    [
      { status: 429, retryAfter: '7' },
      'transient',
      { retryAfterMs: 7000 },
      'Teams connector 429 Throttled: Throttled',
    ],
    [{ status: 429 }, 'transient', {}, 'Teams connector 429 Throttled: Throttled'],
    [{ status: 500 }, 'transient', {}, 'Teams connector 500 ServiceError: ServiceError'],
    [
      { status: 503 },
      'transient',
      {},
      'Teams connector 503 ServiceUnavailable: ServiceUnavailable',
    ],
    [{ status: 401 }, 'transient', {}, 'Teams connector 401 Error: Error'],
    [
      { status: 400, code: 'BadArgument' },
      'permanent',
      {},
      'Teams connector 400 BadArgument: BadArgument',
    ],
  ] as const)('%o → %s %o', async (answer, kind, options, message) => {
    fake.failNext('a:personal-1', 1, answer);
    const err = await deliveryFailure(messenger.send(job(fake.url)));
    expect({ kind: err.kind, options: err.options, message: err.message }).toEqual({
      kind,
      options,
      message,
    });
    expect(fake.sendAttempts('a:personal-1')).toHaveLength(1);
  });

  it('429 with Retry-After as an HTTP date', async () => {
    const retryAfter = new Date(Date.now() + 30_000).toUTCString();
    fake.failNext('a:personal-1', 1, { status: 429, retryAfter });
    const err = await deliveryFailure(messenger.send(job(fake.url)));
    expect(err.kind).toBe('transient');
    expect(err.options.retryAfterMs).toBeGreaterThan(25_000);
    expect(err.options.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('a connection reset is transient, and the next send opens a new connection', async () => {
    fake.dropNext('a:personal-1', 1, 'reset');
    const err = await deliveryFailure(messenger.send(job(fake.url)));
    expect(err.kind).toBe('transient');
    expect(err.message).toMatch(/^Teams connector unreachable ECONNRESET/);
    await messenger.send(job(fake.url));
    expect(fake.sendAttempts('a:personal-1')).toHaveLength(2);
    expect(fake.activities).toHaveLength(1);
  });

  it('a connector that does not answer in time is transient, not retried by the client', async () => {
    fake.dropNext('a:personal-1', 1, 'hang');
    const started = Date.now();
    const err = await deliveryFailure(messenger.send(job(fake.url)));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(err.kind).toBe('transient');
    expect(err.message).toMatch(/^Teams connector unreachable ETIMEDOUT/);
    expect(fake.sendAttempts('a:personal-1')).toHaveLength(1);
  });

  // The fake checks activities against the connector's official schema, which lives beside the
  // repository: without it there is nothing to refuse by (as in the other schema tests).
  it.skipIf(!specsAvailable)(
    'the fake refuses an activity its schema refuses, as the connector does',
    async () => {
      const post = (body: unknown) =>
        fetch(`${fake.url}v3/conversations/a%3Ax/activities`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await post({ text: 'no type' })).status).toBe(400);
      expect((await post({ type: 'message', attachments: 'card' })).status).toBe(400);
      expect((await post({ type: 'message', from: { id: 7 } })).status).toBe(400);
      expect(fake.activityErrors).toHaveLength(3);
      expect(fake.activities).toEqual([]);
    },
  );
});

describe('with an app id: the bot’s token from botbuilder’s own credentials', () => {
  /** A messenger authenticating as `appId`, whose token service answers `tokens` in turn. */
  function authenticated(appId: string, tokens: Array<{ token: string; validMs: number }>) {
    // The public cloud's endpoints: MSAL refuses the fake's plain-http authority. MSAL's own
    // request is the one thing not run here; botbuilder's token cache in front of it is.
    const adapter = createTeamsAdapter(
      { appId, appPassword: 'not-a-secret', tenantId: null, allowUnauthenticated: false },
      silentLogger,
    );
    const queue = [...tokens];
    const refresh = vi
      // `refreshToken` is the SDK's protected hook under its cache.
      .spyOn(
        MsalAppCredentials.prototype as unknown as { refreshToken(): Promise<unknown> },
        'refreshToken',
      )
      .mockImplementation(() => {
        const next = queue.shift();
        if (!next) return Promise.reject(new Error('token service: no more tokens'));
        // The SDK keeps a token until five minutes before it expires.
        const expiresOn = new Date(Date.now() + 5 * 60_000 + next.validMs);
        return Promise.resolve({ accessToken: next.token, expiresOn } as never);
      });
    return { messenger: new TeamsDirectMessenger(adapter, appId, linker), refresh };
  }

  it('sends the token, keeps it while valid, and fetches a new one once it expired', async () => {
    const { messenger: m, refresh } = authenticated('app-expiry', [
      { token: 'token-1', validMs: 300 },
      { token: 'token-2', validMs: 60_000 },
    ]);
    await m.send(job(fake.url, 1));
    await m.send(job(fake.url, 2));
    await new Promise((resolve) => setTimeout(resolve, 400));
    await m.send(job(fake.url, 3));
    m.close();
    expect(fake.requests.map((r) => r.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-1',
      'Bearer token-2',
    ]);
    expect(refresh).toHaveBeenCalledTimes(2);
  });

  it('a 401 is transient, and the next send fetches a new token instead of the cached one', async () => {
    const { messenger: m, refresh } = authenticated('app-refused', [
      { token: 'token-1', validMs: 3_600_000 },
      { token: 'token-2', validMs: 3_600_000 },
    ]);
    fake.acceptedTokens = new Set(['token-1']);
    await m.send(job(fake.url, 1));
    fake.acceptedTokens = new Set(['token-2']);
    const err = await deliveryFailure(m.send(job(fake.url, 2)));
    expect(err.kind).toBe('transient');
    await m.send(job(fake.url, 2));
    await m.send(job(fake.url, 3));
    m.close();
    expect(fake.requests.map((r) => [r.status, r.authorization])).toEqual([
      [200, 'Bearer token-1'],
      [401, 'Bearer token-1'],
      [200, 'Bearer token-2'],
      [200, 'Bearer token-2'],
    ]);
    expect(refresh).toHaveBeenCalledTimes(2);
  });

  it('a send is told once that its request went out, after the token it waited for', async () => {
    const { messenger: m, refresh } = authenticated('app-slow', [
      { token: 'token-1', validMs: 300 },
      { token: 'token-2', validMs: 60_000 },
    ]);
    // The token service takes 50 ms to answer.
    const fetchToken = refresh.getMockImplementation()!;
    refresh.mockImplementation(
      () => new Promise((resolve) => setTimeout(() => resolve(fetchToken()), 50)),
    );
    // How long after each send began it was told its request went out.
    const told: number[][] = [[], [], []];
    const since = (i: number) => {
      const began = performance.now();
      return () => told[i]!.push(performance.now() - began);
    };
    await m.send(job(fake.url, 1), since(0));
    await m.send(job(fake.url, 2), since(1));
    await new Promise((resolve) => setTimeout(resolve, 400));
    await m.send(job(fake.url, 3), since(2));
    m.close();
    // Each is told once. The first waited for a token (and a connection), the third for a new
    // token: neither went out before the token service's 50 ms; the second had both.
    expect(told.map((t) => t.length)).toEqual([1, 1, 1]);
    expect(told[0]![0]).toBeGreaterThanOrEqual(45);
    expect(told[2]![0]).toBeGreaterThanOrEqual(45);
    expect(fake.requests.map((r) => r.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-1',
      'Bearer token-2',
    ]);
  });

  it('a token service that fails is a transient failure, with no request to the connector', async () => {
    const { messenger: m } = authenticated('app-no-token', []);
    const err = await deliveryFailure(m.send(job(fake.url)));
    m.close();
    expect(err.kind).toBe('transient');
    expect(err.message).toContain('no more tokens');
    expect(fake.requests).toEqual([]);
  });
});
