import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { setPreferences } from '../../src/actions/set-preferences.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import type { Channel, Person } from '../../src/domain/types.js';
import { planFor } from '../../src/notify/channels.js';
import { coreHarness, type CoreHarness } from '../support/core.js';

let h: CoreHarness;
let responder: Person;
beforeEach(() => {
  h = coreHarness();
  responder = h.person({ name: 'Rita', role: 'responder', slack: 'URITA' });
});
afterEach(() => h.close());

const ALL = new Set<Channel>(['slack', 'teams', 'email']);
const plan = (p: Person, enabled: ReadonlySet<Channel> = ALL) =>
  planFor(p, enabled).map((d) => `${d.channel}:${d.state}`);

describe('preferences and fallback (PRODUCT §3)', () => {
  it('defaults to every chat channel that reaches the person', () => {
    expect(
      plan(h.person({ name: 'A', slack: 'UA', teams: 'aad-a', email: 'a@x.example' })),
    ).toEqual(['slack:pending', 'teams:pending']);
  });

  it('defaults to email when no chat channel reaches the person', () => {
    expect(plan(h.person({ name: 'B', email: 'b@x.example' }))).toEqual(['email:pending']);
  });

  it('falls back to email when a chosen channel cannot reach the person', () => {
    const c = h.person({ name: 'C', slack: 'UC', email: 'c@x.example', preferences: ['teams'] });
    expect(plan(c)).toEqual(['email:pending']);
  });

  it('is undeliverable when a chosen channel cannot reach and no email is known', () => {
    expect(plan(h.person({ name: 'D', slack: 'UD', preferences: ['teams'] }))).toEqual([
      'teams:undeliverable',
    ]);
    expect(plan(h.person({ name: 'E' }))).toEqual(['email:undeliverable']);
  });

  it('treats a deactivated Slack user or a blocked Teams chat as unreachable', () => {
    const f = h.person({ name: 'F', slack: 'UF', teams: 'aad-f', email: 'f@x.example' });
    const blocked = h.ctx.store.people.update(f.id, {
      slackReachable: false,
      teamsReachable: false,
    });
    expect(plan(blocked)).toEqual(['email:pending']);
  });

  it('treats a channel whose adapter is off as unreachable', () => {
    const g = h.person({ name: 'G', slack: 'UG', email: 'g@x.example' });
    expect(plan(g, new Set<Channel>(['email']))).toEqual(['email:pending']);
  });

  it('sends one email when two unreachable chat preferences both fall back', () => {
    const i = h.person({
      name: 'I',
      email: 'i@x.example',
      preferences: ['slack', 'teams', 'email'],
    });
    expect(plan(i)).toEqual(['email:pending']);
  });

  it('a saved preference changes where the next notification goes', () => {
    const j = h.person({ name: 'J', slack: 'UJ', teams: 'aad-j', email: 'j@x.example' });
    setPreferences(h.ctx, j, ['email']);
    const incident = declareIncident(h.ctx, responder, {
      title: 'Outage',
      source: 'slack',
    }).incident;
    subscribeToIncident(h.ctx, responder, incident.id, { people: [j], teams: [] });
    expect(h.deliveries().map((d) => d.channel)).toEqual(['email']);
  });

  it('refuses an empty channel set and someone else’s preferences for a non-admin', () => {
    const k = h.person({ name: 'K', email: 'k@x.example' });
    expect(() => setPreferences(h.ctx, k, [])).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    expect(() => setPreferences(h.ctx, responder, ['email'], k)).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
    const admin = h.person({ name: 'Admin', role: 'admin' });
    expect(setPreferences(h.ctx, admin, ['email'], k).channels).toEqual(['email']);
  });
});
