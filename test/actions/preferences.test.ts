import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { setPreferences } from '../../src/actions/set-preferences.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import type { Channel, Person } from '../../src/domain/types.js';
import { reachOf } from '../../src/domain/types.js';
import { planFor } from '../../src/notify/channels.js';
import { coreHarness, targets, type CoreHarness } from '../support/core.js';

let h: CoreHarness;
let responder: Person;
beforeEach(async () => {
  h = coreHarness();
  responder = await h.person({ name: 'Rita', role: 'responder', slack: 'URITA' });
});
afterEach(() => h.close());

const ALL = new Set<Channel>(['slack', 'teams', 'email']);
const plan = (p: Person, enabled: ReadonlySet<Channel> = ALL) =>
  planFor(reachOf(p), enabled).map((d) => `${d.channel}:${d.state}`);

describe('preferences and fallback (PRODUCT §3)', () => {
  it('defaults to every chat channel that reaches the person', async () => {
    expect(
      plan(await h.person({ name: 'A', slack: 'UA', teams: 'aad-a', email: 'a@x.example' })),
    ).toEqual(['slack:pending', 'teams:pending']);
  });

  it('defaults to email when no chat channel reaches the person', async () => {
    expect(plan(await h.person({ name: 'B', email: 'b@x.example' }))).toEqual(['email:pending']);
  });

  it('falls back to email when a chosen channel cannot reach the person', async () => {
    const c = await h.person({
      name: 'C',
      slack: 'UC',
      email: 'c@x.example',
      preferences: ['teams'],
    });
    expect(plan(c)).toEqual(['email:pending']);
  });

  it('is undeliverable when a chosen channel cannot reach and no email is known', async () => {
    expect(plan(await h.person({ name: 'D', slack: 'UD', preferences: ['teams'] }))).toEqual([
      'teams:undeliverable',
    ]);
    expect(plan(await h.person({ name: 'E' }))).toEqual(['email:undeliverable']);
  });

  it('treats a deactivated Slack user or a blocked Teams chat as unreachable', async () => {
    const f = await h.person({ name: 'F', slack: 'UF', teams: 'aad-f', email: 'f@x.example' });
    const blocked = await h.ctx.store.people.update(f.id, {
      slackReachable: false,
      teamsReachable: false,
    });
    expect(plan(blocked)).toEqual(['email:pending']);
  });

  it('treats a channel whose adapter is off as unreachable', async () => {
    const g = await h.person({ name: 'G', slack: 'UG', email: 'g@x.example' });
    expect(plan(g, new Set<Channel>(['email']))).toEqual(['email:pending']);
  });

  it('sends one email when two unreachable chat preferences both fall back', async () => {
    const i = await h.person({
      name: 'I',
      email: 'i@x.example',
      preferences: ['slack', 'teams', 'email'],
    });
    expect(plan(i)).toEqual(['email:pending']);
  });

  it('a saved preference changes where the next notification goes', async () => {
    const j = await h.person({ name: 'J', slack: 'UJ', teams: 'aad-j', email: 'j@x.example' });
    await setPreferences(h.ctx, j, { channels: ['email'] });
    const { incident } = await declareIncident(h.ctx, responder, {
      title: 'Outage',
      source: 'slack',
    });
    await subscribeToIncident(h.ctx, responder, {
      incidentId: incident.id,
      targets: targets({ people: [j] }),
    });
    expect(h.deliveries().map((d) => d.channel)).toEqual(['email']);
  });

  it('refuses an empty channel set and someone else’s preferences for a non-admin', async () => {
    const k = await h.person({ name: 'K', email: 'k@x.example' });
    await expect(setPreferences(h.ctx, k, { channels: [] })).rejects.toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    const [kTarget] = targets({ people: [k] });
    await expect(
      setPreferences(h.ctx, responder, { channels: ['email'], target: kTarget }),
    ).rejects.toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect((await h.ctx.store.people.byId(k.id))?.preferences).toBeNull();
    const admin = await h.person({ name: 'Admin', role: 'admin' });
    expect(
      (await setPreferences(h.ctx, admin, { channels: ['email'], target: kTarget })).channels,
    ).toEqual(['email']);
  });
});
