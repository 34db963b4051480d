import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTeam, changeTeamMembers } from '../../src/actions/manage-teams.js';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { postStatusUpdate } from '../../src/actions/post-status-update.js';
import { resolveIncident } from '../../src/actions/resolve-incident.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import { unsubscribeFromIncident } from '../../src/actions/unsubscribe-from-incident.js';
import type { Person, StakeholderTeam } from '../../src/domain/types.js';
import { coreHarness, type CoreHarness } from '../support/core.js';

let h: CoreHarness;
let responder: Person;
let admin: Person;
beforeEach(() => {
  h = coreHarness();
  responder = h.person({
    name: 'Rita Responder',
    role: 'responder',
    slack: 'URITA',
    email: 'rita@corp.example',
  });
  admin = h.person({ name: 'Ada Admin', role: 'admin', slack: 'UADA' });
});
afterEach(() => h.close());

const declare = () =>
  declareIncident(h.ctx, responder, { title: 'Checkout errors', source: 'slack' }).incident;
const sub = (id: number, people: Person[], teams: StakeholderTeam[] = []) =>
  subscribeToIncident(h.ctx, responder, id, { people, teams });
const byKind = (kind: string) => h.deliveries().filter((d) => d.kind === kind);

describe('who is told, and when', () => {
  it('tells only the newly subscribed, and re-subscribing sends nothing', () => {
    const incident = declare();
    const ann = h.person({ name: 'Ann', slack: 'UANN' });
    const bob = h.person({ name: 'Bob', email: 'bob@partner.example' });
    sub(incident.id, [ann]);
    expect(byKind('subscribed').map((d) => d.person)).toEqual(['Ann']);
    const again = sub(incident.id, [ann, bob]);
    expect(again.newlyNotified).toBe(1);
    expect(again.alreadySubscribed).toBe(1);
    expect(byKind('subscribed').map((d) => `${d.person}/${d.channel}`)).toEqual([
      'Ann/slack',
      'Bob/email',
    ]);
    sub(incident.id, [ann, bob]);
    expect(byKind('subscribed')).toHaveLength(2);
  });

  it('subscribing a team tells its members who were not already subscribed', () => {
    const incident = declare();
    const ann = h.person({ name: 'Ann', slack: 'UANN' });
    const cal = h.person({ name: 'Cal', email: 'cal@corp.example' });
    const team = createTeam(h.ctx, admin, { name: 'exec', members: [ann, cal] });
    sub(incident.id, [ann]);
    const r = sub(incident.id, [], [team]);
    expect(r.newlyNotified).toBe(1);
    expect(r.viaTeams).toBe(1);
    expect(byKind('subscribed').map((d) => d.person)).toEqual(['Ann', 'Cal']);
  });

  it('a flagged update reaches every subscriber; an internal one reaches nobody', () => {
    const incident = declare();
    const ann = h.person({ name: 'Ann', slack: 'UANN' });
    const bob = h.person({ name: 'Bob', email: 'bob@partner.example' });
    sub(incident.id, [ann, bob]);
    const internal = postStatusUpdate(h.ctx, responder, incident.id, {
      text: 'rolling back',
      notifyStakeholders: false,
    });
    expect(internal.notified.eventId).toBeNull();
    expect(byKind('update')).toHaveLength(0);
    const flagged = postStatusUpdate(h.ctx, responder, incident.id, {
      text: 'fix deployed',
      notifyStakeholders: true,
    });
    expect(flagged.notified.people).toBe(2);
    expect(byKind('update').map((d) => `${d.person}/${d.channel}`)).toEqual([
      'Ann/slack',
      'Bob/email',
    ]);
    expect(h.ctx.store.incidents.byId(incident.id)?.lastStakeholderUpdateAt).toBe(h.clock.now());
  });

  it('resolve tells everyone once; resolving again is an error and sends nothing', () => {
    const incident = declare();
    const ann = h.person({ name: 'Ann', slack: 'UANN' });
    sub(incident.id, [ann]);
    resolveIncident(h.ctx, responder, incident.id, 'rolled back');
    expect(byKind('resolved')).toHaveLength(1);
    expect(() => resolveIncident(h.ctx, responder, incident.id, null)).toThrow(
      expect.objectContaining({ code: 'ALREADY_RESOLVED' }),
    );
    expect(byKind('resolved')).toHaveLength(1);
    const payload = JSON.parse(
      (
        h.db.$client
          .prepare(`SELECT payload FROM notification_events WHERE kind = 'resolved'`)
          .get() as { payload: string }
      ).payload,
    );
    expect(payload).toMatchObject({
      kind: 'resolved',
      text: 'rolled back',
      incident: { id: incident.id, status: 'resolved' },
    });
  });

  it('someone direct and in two teams gets one message per channel per event', () => {
    const incident = declare();
    const dee = h.person({
      name: 'Dee',
      slack: 'UDEE',
      teams: 'aad-dee',
      email: 'dee@corp.example',
    });
    const t1 = createTeam(h.ctx, admin, { name: 'exec', members: [dee] });
    const t2 = createTeam(h.ctx, admin, { name: 'support', members: [dee] });
    const r = sub(incident.id, [dee], [t1, t2]);
    expect(r.newlyNotified).toBe(1);
    postStatusUpdate(h.ctx, responder, incident.id, {
      text: 'still on it',
      notifyStakeholders: true,
    });
    expect(
      byKind('subscribed')
        .map((d) => d.channel)
        .sort(),
    ).toEqual(['slack', 'teams']);
    expect(
      byKind('update')
        .map((d) => d.channel)
        .sort(),
    ).toEqual(['slack', 'teams']);
  });

  it('team membership is live: members at the time of each notification are told', () => {
    const incident = declare();
    const ann = h.person({ name: 'Ann', slack: 'UANN' });
    const eve = h.person({ name: 'Eve', slack: 'UEVE' });
    const team = createTeam(h.ctx, admin, { name: 'exec', members: [ann] });
    sub(incident.id, [], [team]);
    changeTeamMembers(h.ctx, admin, 'exec', { add: [eve], remove: [ann] });
    postStatusUpdate(h.ctx, responder, incident.id, { text: 'update', notifyStakeholders: true });
    expect(byKind('update').map((d) => d.person)).toEqual(['Eve']);
  });

  it('unsubscribed people are not told of later updates', () => {
    const incident = declare();
    const ann = h.person({ name: 'Ann', slack: 'UANN' });
    const bob = h.person({ name: 'Bob', slack: 'UBOB' });
    sub(incident.id, [ann, bob]);
    unsubscribeFromIncident(h.ctx, responder, incident.id, { people: [bob], teams: [] });
    postStatusUpdate(h.ctx, responder, incident.id, { text: 'update', notifyStakeholders: true });
    expect(byKind('update').map((d) => d.person)).toEqual(['Ann']);
  });

  it('writes the action and its outbox rows in one transaction', () => {
    const incident = declare();
    sub(incident.id, [h.person({ name: 'Ann', slack: 'UANN' })]);
    const enqueue = h.ctx.store.outbox.enqueue.bind(h.ctx.store.outbox);
    h.ctx.store.outbox.enqueue = () => {
      throw new Error('disk full');
    };
    expect(() =>
      postStatusUpdate(h.ctx, responder, incident.id, { text: 'lost?', notifyStakeholders: true }),
    ).toThrow('disk full');
    h.ctx.store.outbox.enqueue = enqueue;
    const updates = h.db.$client.prepare('SELECT count(*) AS n FROM status_updates').get() as {
      n: number;
    };
    expect(updates.n).toBe(0);
    expect(h.ctx.store.incidents.byId(incident.id)?.lastStakeholderUpdateAt).toBeNull();
  });

  it('wakes the delivery worker only when something was queued', () => {
    const incident = declare();
    postStatusUpdate(h.ctx, responder, incident.id, {
      text: 'internal',
      notifyStakeholders: false,
    });
    expect(h.wakes).toBe(0);
    sub(incident.id, [h.person({ name: 'Ann', slack: 'UANN' })]);
    expect(h.wakes).toBe(1);
  });

  it('declaring with an external key twice returns the same incident', () => {
    const a = declareIncident(h.ctx, responder, {
      title: 'Disk full',
      source: 'api',
      externalKey: 'am-1',
    });
    const b = declareIncident(h.ctx, responder, {
      title: 'Disk full again',
      source: 'api',
      externalKey: 'am-1',
    });
    expect(a.created).toBe(true);
    expect(b).toEqual({ incident: a.incident, created: false });
    expect(a.incident.id + 1).toBe(declare().id);
  });

  it('rejects bad input and writes nothing', () => {
    expect(() => declareIncident(h.ctx, responder, { title: '   ', source: 'slack' })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', field: 'title' }),
    );
    const incident = declare();
    expect(() =>
      postStatusUpdate(h.ctx, responder, incident.id, { text: '', notifyStakeholders: true }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    const n = h.db.$client
      .prepare(
        'SELECT (SELECT count(*) FROM incidents) + (SELECT count(*) FROM status_updates) AS n',
      )
      .get() as { n: number };
    expect(n.n).toBe(1);
  });
});

describe('unsubscribing yourself while a team covers you', () => {
  it('stops team notifications for that person and incident until subscribed directly again', () => {
    const incident = declare();
    const ann = h.person({ name: 'Ann', slack: 'UANN' });
    const cal = h.person({ name: 'Cal', slack: 'UCAL' });
    const team = createTeam(h.ctx, admin, { name: 'exec', members: [ann, cal] });
    sub(incident.id, [], [team]);
    const r = unsubscribeFromIncident(h.ctx, ann, incident.id, { people: [ann], teams: [] });
    expect(r.people.map((p) => p.displayName)).toEqual(['Ann']);
    expect(r.stillViaTeam).toEqual([]);
    postStatusUpdate(h.ctx, responder, incident.id, { text: 'one', notifyStakeholders: true });
    expect(byKind('update').map((d) => d.person)).toEqual(['Cal']);
    const other = declare();
    sub(other.id, [], [team]);
    expect(byKind('subscribed').filter((d) => d.person === 'Ann')).toHaveLength(2);
    sub(incident.id, [ann]);
    postStatusUpdate(h.ctx, responder, incident.id, { text: 'two', notifyStakeholders: true });
    expect(byKind('update').map((d) => d.person)).toEqual(['Cal', 'Ann', 'Cal']);
  });

  it('a responder removing someone still on a team says so and changes nothing for them', () => {
    const incident = declare();
    const ann = h.person({ name: 'Ann', slack: 'UANN' });
    const team = createTeam(h.ctx, admin, { name: 'exec', members: [ann] });
    sub(incident.id, [ann], [team]);
    const r = unsubscribeFromIncident(h.ctx, responder, incident.id, { people: [ann], teams: [] });
    expect(r.people).toEqual([]);
    expect(r.stillViaTeam.map((p) => p.displayName)).toEqual(['Ann']);
  });
});
