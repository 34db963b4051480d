import { incidentLinker } from '../../src/stakeholder-link.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTeamsDoor } from '../../adapters/teams/index.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import type { CommandContext } from '../../src/commands/execute.js';
import { systemClock } from '../../src/clock.js';
import { RecordingLogger } from '../support/recording-logger.js';
import { answerOf, startTeamsHarness, type TeamsHarness } from './harness.js';

let h: TeamsHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  vi.restoreAllMocks();
});

const CREDENTIALS = {
  TEAMS_APP_ID: '11111111-2222-3333-4444-555555555555',
  TEAMS_APP_PASSWORD: 'not-a-real-secret',
  TEAMS_ALLOW_UNAUTHENTICATED: 'false',
};

describe('Teams HTTP endpoint and authentication', () => {
  it('with credentials, a post without a Bot Framework token gets 401 and writes nothing', async () => {
    h = await startTeamsHarness(CREDENTIALS);
    const mallory = h.user('Mallory');
    for (const activity of [...mallory.install(), mallory.message('incidents')]) {
      const res = await h.post(activity);
      expect(res.status).toBe(401);
    }
    expect(await h.herald.ctx.store.people.byTeamsAadId(mallory.member.aadObjectId)).toBeNull();
    expect(h.fake.requests).toEqual([]);
  });

  it('with credentials, a forged token gets 401 too', async () => {
    h = await startTeamsHarness(CREDENTIALS);
    // The adapter logs rejected tokens to the console; keep the test output clean.
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const mallory = h.user('Mallory');
    const res = await h.post(mallory.message('incidents'), {
      authorization: 'Bearer not.a.token',
    });
    expect(res.status).toBe(401);
    expect(await h.herald.ctx.store.people.byTeamsAadId(mallory.member.aadObjectId)).toBeNull();
    expect(h.fake.requests).toEqual([]);
  });

  it('malformed and oversized bodies get a JSON 4xx and write nothing', async () => {
    h = await startTeamsHarness();
    const bad = await fetch(`${h.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"type": "message",',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'INVALID_INPUT' } });
    for (const body of [[], { type: 5 }, { text: 'no type' }]) {
      const res = await fetch(`${h.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'INVALID_INPUT' } });
    }
    const mallory = h.user('Mallory');
    const huge = await h.post(mallory.message('x'.repeat(300_000)));
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(await h.herald.ctx.store.people.byTeamsAadId(mallory.member.aadObjectId)).toBeNull();
    expect(h.fake.requests).toEqual([]);
  });

  it('without credentials and without TEAMS_ALLOW_UNAUTHENTICATED the door stays closed', async () => {
    const deps = {
      ctx: {} as CommandContext,
      clock: systemClock,
      logger: silentLogger,
      secret: 'x'.repeat(32),
      incidentLink: incidentLinker('x'.repeat(32), 'http://localhost:3000', Date.now),
    };
    expect(await createTeamsDoor({ ...deps, config: loadConfig({}) })).toBeNull();
    const door = await createTeamsDoor({
      ...deps,
      config: loadConfig({ TEAMS_ALLOW_UNAUTHENTICATED: 'true' }),
    });
    expect(door).toMatchObject({ name: 'teams', messenger: { channel: 'teams' } });
  });
});

describe('Teams authentication failures answer JSON with nothing internal in the body', () => {
  it('a signed activity while the token issuer is out of reach gets a JSON 503; the cause is only in the log', async () => {
    const logger = new RecordingLogger();
    h = await startTeamsHarness(CREDENTIALS, { logger });
    const mallory = h.user('Mallory');
    for (const issuer of ['unreachable', 'failing'] as const) {
      h.fake.issuer = issuer;
      const res = await h.postSigned(mallory.message('incidents'), CREDENTIALS.TEAMS_APP_ID);
      const answer = await answerOf(res);
      expect({ issuer, ...answer }).toEqual({
        issuer,
        status: 503,
        body: {
          error: {
            code: 'AUTHENTICATION_UNAVAILABLE',
            message: 'Herald cannot check Bot Framework tokens right now. Try again later.',
          },
        },
      });
      expect(JSON.stringify(answer.body)).not.toMatch(
        /127\.0\.0\.1|socket|openid|ECONN|ENOTFOUND|Failed to load/i,
      );
    }
    expect(await h.herald.ctx.store.people.byTeamsAadId(mallory.member.aadObjectId)).toBeNull();
    // The operator learns why.
    expect(logger.text()).toMatch(/socket hang up/);
    expect(logger.text()).toMatch(/Failed to load openID config: 503/);

    // The same activity is served once the issuer answers again.
    h.fake.issuer = 'up';
    const res = await h.postSigned(mallory.message('incidents'), CREDENTIALS.TEAMS_APP_ID);
    expect(res.status).toBe(200);
    expect(await h.herald.ctx.store.people.byTeamsAadId(mallory.member.aadObjectId)).not.toBeNull();
  });

  it('forged, misaddressed and expired tokens get a JSON 401; an activity Herald has no handler for a JSON 501', async () => {
    h = await startTeamsHarness(CREDENTIALS);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const appId = CREDENTIALS.TEAMS_APP_ID;
    const mallory = h.user('Mallory');
    const activity = mallory.message('incidents');
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const attempts = {
      forged: bearer(h.fake.token(appId, {}, { signWith: 'other-key' })),
      otherApp: bearer(h.fake.token('another-bot')),
      expired: bearer(h.fake.token(appId, { exp: Math.floor(Date.now() / 1000) - 3600 })),
      otherServiceUrl: bearer(h.fake.token(appId, { serviceurl: `${h.fake.url}elsewhere/` })),
    };
    for (const [name, headers] of Object.entries(attempts)) {
      const res = await h.post(activity, headers);
      expect({ name, ...(await answerOf(res)) }).toEqual({
        name,
        status: 401,
        body: {
          error: {
            code: 'UNAUTHORIZED',
            message: 'A valid Bot Framework bearer token is required.',
          },
        },
      });
    }
    expect(await h.herald.ctx.store.people.byTeamsAadId(mallory.member.aadObjectId)).toBeNull();

    const invoke = await h.postSigned(mallory.activity('invoke', { name: 'task/fetch' }), appId);
    expect(await answerOf(invoke)).toEqual({
      status: 501,
      body: {
        error: {
          code: 'NOT_IMPLEMENTED',
          message: 'Herald does not handle this kind of activity.',
        },
      },
    });
  });
});

describe('Teams configuration at start-up', () => {
  const VALUES = {
    TEAMS_APP_ID: '11111111-2222-3333-4444-555555555555',
    TEAMS_APP_PASSWORD: 'not-a-real-secret',
    TEAMS_TENANT_ID: '6f1b2c3d-0000-4000-8000-00000000aaaa',
    TEAMS_ALLOW_UNAUTHENTICATED: 'true',
  };
  const NAMES = Object.keys(VALUES) as Array<keyof typeof VALUES>;
  /** Every subset of the Teams variables, each set to a well-formed value. */
  const combinations = Array.from({ length: 2 ** NAMES.length }, (_, bits) =>
    Object.fromEntries(NAMES.filter((_, i) => bits & (1 << i)).map((n) => [n, VALUES[n]])),
  ).filter((env) => Object.keys(env).length > 0);

  it.each(combinations)(
    '%o opens the Teams door or stops with one line naming a Teams variable',
    async (env) => {
      let outcome: string;
      try {
        const door = await createTeamsDoor({
          incidentLink: incidentLinker('x'.repeat(32), 'http://localhost:3000', Date.now),
          ctx: {} as CommandContext,
          clock: systemClock,
          logger: silentLogger,
          secret: 'x'.repeat(32),
          config: loadConfig(env),
        });
        outcome = door ? 'door open' : 'door closed';
      } catch (err) {
        outcome = (err as Error).message;
      }
      const settingIsUsed = outcome === 'door open';
      const oneLineNamingAVariable = /^TEAMS_[A-Z_]+(="[^"\n]*")?: [^\n]+$/.test(outcome);
      expect({ outcome, ok: settingIsUsed || oneLineNamingAVariable }).toEqual({
        outcome,
        ok: true,
      });
    },
  );
});
