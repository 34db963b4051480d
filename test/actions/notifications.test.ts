import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { declareIncident } from '../../src/actions/declare-incident.js';
import {
  changeStakeholderTeamMembers,
  createStakeholderTeam,
} from '../../src/actions/manage-stakeholder-teams.js';
import { postStatusUpdate } from '../../src/actions/post-status-update.js';
import { resolveIncident } from '../../src/actions/resolve-incident.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import { unsubscribeFromIncident } from '../../src/actions/unsubscribe-from-incident.js';
import type { Person, StakeholderTeam } from '../../src/domain/types.js';
import { coreHarness, targets, type CoreHarness } from '../support/core.js';

let h: CoreHarness;
let responder: Person;
let admin: Person;
beforeEach(async () => {
  h = coreHarness();
  responder = await h.person({
    name: 'Rita Responder',
    role: 'responder',
    slack: 'URITA',
    email: 'rita@corp.example',
  });
  admin = await h.person({ name: 'Ada Admin', role: 'admin', slack: 'UADA' });
});
afterEach(() => h.close());

const declare = async () =>
  (await declareIncident(h.ctx, responder, { title: 'Checkout errors', source: 'slack' })).incident;
const sub = (id: number, people: Person[], teams: StakeholderTeam[] = []) =>
  subscribeToIncident(h.ctx, responder, { incidentId: id, targets: targets({ people, teams }) });
const makeTeam = (name: string, members: Person[]) =>
  createStakeholderTeam(h.ctx, admin, { name, members: targets({ people: members }) });
const byKind = (kind: string) => h.deliveries().filter((d) => d.kind === kind);

describe('who is told, and when', () => {
  it('tells only the newly subscribed, and re-subscribing sends nothing', async () => {
    const incident = await declare();
    const ann = await h.person({ name: 'Ann', slack: 'UANN' });
    const bob = await h.person({ name: 'Bob', email: 'bob@partner.example' });
    await sub(incident.id, [ann]);
    expect(byKind('subscribed').map((d) => d.person)).toEqual(['Ann']);
    const again = await sub(incident.id, [ann, bob]);
    expect(again.newlyNotified).toBe(1);
    expect(again.alreadySubscribed).toBe(1);
    expect(byKind('subscribed').map((d) => `${d.person}/${d.channel}`)).toEqual([
      'Ann/slack',
      'Bob/email',
    ]);
    await sub(incident.id, [ann, bob]);
    expect(byKind('subscribed')).toHaveLength(2);
  });

  it('subscribing a team tells its members who were not already subscribed', async () => {
    const incident = await declare();
    const ann = await h.person({ name: 'Ann', slack: 'UANN' });
    const cal = await h.person({ name: 'Cal', email: 'cal@corp.example' });
    const team = await makeTeam('exec', [ann, cal]);
    await sub(incident.id, [ann]);
    const r = await sub(incident.id, [], [team]);
    expect(r.newlyNotified).toBe(1);
    expect(r.viaTeams).toBe(1);
    expect(byKind('subscribed').map((d) => d.person)).toEqual(['Ann', 'Cal']);
  });

  it('a flagged update reaches every subscriber; an internal one reaches nobody', async () => {
    const incident = await declare();
    const ann = await h.person({ name: 'Ann', slack: 'UANN' });
    const bob = await h.person({ name: 'Bob', email: 'bob@partner.example' });
    await sub(incident.id, [ann, bob]);
    const internal = await postStatusUpdate(h.ctx, responder, {
      incidentId: incident.id,
      text: 'rolling back',
      notifyStakeholders: false,
    });
    expect(internal.notified.eventId).toBeNull();
    expect(byKind('update')).toHaveLength(0);
    const flagged = await postStatusUpdate(h.ctx, responder, {
      incidentId: incident.id,
      text: 'fix deployed',
      notifyStakeholders: true,
    });
    expect(flagged.notified.people).toBe(2);
    expect(byKind('update').map((d) => `${d.person}/${d.channel}`)).toEqual([
      'Ann/slack',
      'Bob/email',
    ]);
    expect((await h.ctx.store.incidents.byId(incident.id))?.lastStakeholderUpdateAt).toBe(
      h.clock.now(),
    );
  });

  it('resolve tells everyone once; resolving again is an error and sends nothing', async () => {
    const incident = await declare();
    const ann = await h.person({ name: 'Ann', slack: 'UANN' });
    await sub(incident.id, [ann]);
    await resolveIncident(h.ctx, responder, { incidentId: incident.id, note: 'rolled back' });
    expect(byKind('resolved')).toHaveLength(1);
    await expect(
      resolveIncident(h.ctx, responder, { incidentId: incident.id, note: null }),
    ).rejects.toThrow(expect.objectContaining({ code: 'ALREADY_RESOLVED' }));
    expect(byKind('resolved')).toHaveLength(1);
    const payload = JSON.parse(
      (
        h.db.sqlite
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

  it('someone direct and in two teams gets one message per channel per event', async () => {
    const incident = await declare();
    const dee = await h.person({
      name: 'Dee',
      slack: 'UDEE',
      teams: 'aad-dee',
      email: 'dee@corp.example',
    });
    const t1 = await makeTeam('exec', [dee]);
    const t2 = await makeTeam('support', [dee]);
    const r = await sub(incident.id, [dee], [t1, t2]);
    expect(r.newlyNotified).toBe(1);
    await postStatusUpdate(h.ctx, responder, {
      incidentId: incident.id,
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

  it('team membership is live: members at the time of each notification are told', async () => {
    const incident = await declare();
    const ann = await h.person({ name: 'Ann', slack: 'UANN' });
    const eve = await h.person({ name: 'Eve', slack: 'UEVE' });
    const team = await makeTeam('exec', [ann]);
    await sub(incident.id, [], [team]);
    await changeStakeholderTeamMembers(h.ctx, admin, {
      team: 'exec',
      add: targets({ people: [eve] }),
      remove: targets({ people: [ann] }),
    });
    await postStatusUpdate(h.ctx, responder, {
      incidentId: incident.id,
      text: 'update',
      notifyStakeholders: true,
    });
    expect(byKind('update').map((d) => d.person)).toEqual(['Eve']);
  });

  it('unsubscribed people are not told of later updates', async () => {
    const incident = await declare();
    const ann = await h.person({ name: 'Ann', slack: 'UANN' });
    const bob = await h.person({ name: 'Bob', slack: 'UBOB' });
    await sub(incident.id, [ann, bob]);
    await unsubscribeFromIncident(h.ctx, responder, {
      incidentId: incident.id,
      targets: targets({ people: [bob] }),
    });
    await postStatusUpdate(h.ctx, responder, {
      incidentId: incident.id,
      text: 'update',
      notifyStakeholders: true,
    });
    expect(byKind('update').map((d) => d.person)).toEqual(['Ann']);
  });

  it('writes the action and its outbox rows in one transaction', async () => {
    const incident = await declare();
    await sub(incident.id, [await h.person({ name: 'Ann', slack: 'UANN' })]);
    const enqueue = h.ctx.store.outbox.enqueue.bind(h.ctx.store.outbox);
    h.ctx.store.outbox.enqueue = () => Promise.reject(new Error('disk full'));
    await expect(
      postStatusUpdate(h.ctx, responder, {
        incidentId: incident.id,
        text: 'lost?',
        notifyStakeholders: true,
      }),
    ).rejects.toThrow('disk full');
    h.ctx.store.outbox.enqueue = enqueue;
    const updates = h.db.sqlite.prepare('SELECT count(*) AS n FROM status_updates').get() as {
      n: number;
    };
    expect(updates.n).toBe(0);
    expect((await h.ctx.store.incidents.byId(incident.id))?.lastStakeholderUpdateAt).toBeNull();
  });

  it('wakes the delivery worker only when something was queued', async () => {
    const incident = await declare();
    await postStatusUpdate(h.ctx, responder, {
      incidentId: incident.id,
      text: 'internal',
      notifyStakeholders: false,
    });
    expect(h.wakes).toBe(0);
    await sub(incident.id, [await h.person({ name: 'Ann', slack: 'UANN' })]);
    expect(h.wakes).toBe(1);
  });

  it('declaring with an external key twice returns the same incident', async () => {
    const a = await declareIncident(h.ctx, responder, {
      title: 'Disk full',
      source: 'api',
      externalKey: 'am-1',
    });
    const b = await declareIncident(h.ctx, responder, {
      title: 'Disk full again',
      source: 'api',
      externalKey: 'am-1',
    });
    expect(a.created).toBe(true);
    expect(b).toEqual({ incident: a.incident, created: false });
    expect(a.incident.id + 1).toBe((await declare()).id);
  });

  it('rejects bad input and writes nothing', async () => {
    await expect(
      declareIncident(h.ctx, responder, { title: '   ', source: 'slack' }),
    ).rejects.toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'title' }));
    const incident = await declare();
    await expect(
      postStatusUpdate(h.ctx, responder, {
        incidentId: incident.id,
        text: '',
        notifyStakeholders: true,
      }),
    ).rejects.toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    const n = h.db.sqlite
      .prepare(
        'SELECT (SELECT count(*) FROM incidents) + (SELECT count(*) FROM status_updates) AS n',
      )
      .get() as { n: number };
    expect(n.n).toBe(1);
  });
});

describe('unsubscribing yourself while a team covers you', () => {
  it('stops team notifications for that person and incident until subscribed directly again', async () => {
    const incident = await declare();
    const ann = await h.person({ name: 'Ann', slack: 'UANN' });
    const cal = await h.person({ name: 'Cal', slack: 'UCAL' });
    const team = await makeTeam('exec', [ann, cal]);
    await sub(incident.id, [], [team]);
    const r = await unsubscribeFromIncident(h.ctx, ann, {
      incidentId: incident.id,
      targets: targets({ people: [ann] }),
    });
    expect(r.people.map((p) => p.displayName)).toEqual(['Ann']);
    expect(r.stillViaTeam).toEqual([]);
    await postStatusUpdate(h.ctx, responder, {
      incidentId: incident.id,
      text: 'one',
      notifyStakeholders: true,
    });
    expect(byKind('update').map((d) => d.person)).toEqual(['Cal']);
    const other = await declare();
    await sub(other.id, [], [team]);
    expect(byKind('subscribed').filter((d) => d.person === 'Ann')).toHaveLength(2);
    await sub(incident.id, [ann]);
    await postStatusUpdate(h.ctx, responder, {
      incidentId: incident.id,
      text: 'two',
      notifyStakeholders: true,
    });
    expect(byKind('update').map((d) => d.person)).toEqual(['Cal', 'Ann', 'Cal']);
  });

  it('a responder removing someone still on a team says so and changes nothing for them', async () => {
    const incident = await declare();
    const ann = await h.person({ name: 'Ann', slack: 'UANN' });
    const team = await makeTeam('exec', [ann]);
    await sub(incident.id, [ann], [team]);
    const r = await unsubscribeFromIncident(h.ctx, responder, {
      incidentId: incident.id,
      targets: targets({ people: [ann] }),
    });
    expect(r.people).toEqual([]);
    expect(r.stillViaTeam.map((p) => p.displayName)).toEqual(['Ann']);
  });
});
