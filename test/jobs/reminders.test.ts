import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { postStatusUpdate } from '../../src/actions/post-status-update.js';
import { resolveIncident } from '../../src/actions/resolve-incident.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import type { Person } from '../../src/domain/types.js';
import { runReminders } from '../../src/jobs/reminders.js';
import { coreHarness, targets, type CoreHarness } from '../support/core.js';

const MINUTE = 60_000;
const WINDOW = 30;

let h: CoreHarness;
let rita: Person;
let ann: Person;
beforeEach(async () => {
  h = coreHarness();
  rita = await h.person({
    name: 'Rita',
    role: 'responder',
    slack: 'URITA',
    teams: 'aad-rita',
    email: 'rita@corp.example',
    // Her stakeholder preference is email; a reminder still goes by chat.
    preferences: ['email'],
  });
  ann = await h.person({ name: 'Ann', slack: 'UANN' });
});
afterEach(() => h.close());

/** An open incident declared by `by`, with Ann subscribed unless told otherwise. */
async function incident(by: Person = rita, stakeholders = true) {
  const { incident } = await declareIncident(h.ctx, by, {
    title: 'Checkout errors',
    source: 'slack',
  });
  if (stakeholders) {
    await subscribeToIncident(h.ctx, by, {
      incidentId: incident.id,
      targets: targets({ people: [ann] }),
    });
  }
  return incident;
}
const run = async () => (await runReminders(h.ctx, h.clock.now(), WINDOW)).reminded;
const reminders = () => h.deliveries().filter((d) => d.kind === 'reminder');
const advance = (minutes: number) => h.clock.advance(minutes * MINUTE);

describe('update reminders', () => {
  it('reminds the declarer once after the window, not before, not twice in a window', async () => {
    const i = await incident();
    advance(WINDOW - 1);
    expect(await run()).toEqual([]);
    advance(1);
    const wakes = h.wakes;
    expect(await run()).toEqual([i.id]);
    expect(h.wakes).toBe(wakes + 1);
    expect(reminders()).toEqual([
      { person: 'Rita', channel: 'slack', kind: 'reminder', state: 'pending' },
    ]);
    expect((await h.ctx.store.incidents.byId(i.id))?.lastReminderAt).toBe(h.clock.now());
    for (const step of [0, 1, 10, WINDOW - 12]) {
      advance(step);
      expect(await run()).toEqual([]);
    }
    expect(reminders()).toHaveLength(1);
  });

  it('reminds again after another full window', async () => {
    await incident();
    advance(WINDOW);
    await run();
    advance(WINDOW - 1);
    await run();
    expect(reminders()).toHaveLength(1);
    advance(1);
    await run();
    expect(reminders()).toHaveLength(2);
  });

  it('a stakeholder update restarts the window; an internal one does not', async () => {
    const i = await incident();
    advance(WINDOW - 5);
    await postStatusUpdate(h.ctx, rita, {
      incidentId: i.id,
      text: 'still digging',
      notifyStakeholders: false,
    });
    advance(5);
    expect(await run()).toEqual([i.id]);
    advance(10);
    await postStatusUpdate(h.ctx, rita, {
      incidentId: i.id,
      text: 'fix rolling out',
      notifyStakeholders: true,
    });
    // A full window after the last reminder, but not after the update: not due.
    advance(WINDOW - 10);
    expect(await run()).toEqual([]);
    advance(9);
    expect(await run()).toEqual([]);
    advance(1);
    expect(await run()).toEqual([i.id]);
    expect(reminders()).toHaveLength(2);
  });

  it('says how long stakeholders have waited and what to do', async () => {
    const i = await incident();
    advance(WINDOW + 7);
    await run();
    const row = h.db.sqlite
      .prepare(`SELECT payload FROM notification_events WHERE kind = 'reminder'`)
      .get() as { payload: string };
    expect(JSON.parse(row.payload)).toMatchObject({
      kind: 'reminder',
      incident: { id: i.id, status: 'open' },
      text: `Stakeholders have had no update on #${i.id} for 37 minutes. Send one with /incident notify ${i.id} <text>.`,
    });
  });

  it('none on resolved incidents, none without stakeholders', async () => {
    const resolved = await incident();
    await resolveIncident(h.ctx, rita, { incidentId: resolved.id, note: null });
    await incident(rita, false);
    advance(WINDOW * 3);
    expect(await run()).toEqual([]);
    expect(reminders()).toEqual([]);
  });

  it('none when the declarer is gone or unreachable, and none when turned off', async () => {
    const gone = await h.person({ name: 'Gone', role: 'responder', slack: 'UGONE' });
    const api = await h.person({ name: 'Herald API', role: 'responder' });
    const i = await incident(gone);
    await incident(api);
    h.db.sqlite.prepare('DELETE FROM people WHERE id = ?').run(gone.id);
    expect((await h.ctx.store.incidents.byId(i.id))?.declaredBy).toBeNull();
    await incident();
    advance(WINDOW);
    expect((await runReminders(h.ctx, h.clock.now(), 0)).reminded).toEqual([]);
    expect(await run()).toHaveLength(1);
    expect(reminders().map((d) => d.person)).toEqual(['Rita']);
  });

  it.each([
    [
      { slack: 'UDEC', teams: 'aad-dec', email: 'dec@corp.example' },
      ['slack', 'teams', 'email'],
      'slack',
    ],
    [{ slack: 'UDEC', teams: 'aad-dec', email: 'dec@corp.example' }, ['teams', 'email'], 'teams'],
    [{ slack: 'UDEC', email: 'dec@corp.example' }, ['teams', 'email'], 'email'],
    [{ teams: 'aad-dec', email: 'dec@corp.example' }, ['slack', 'teams', 'email'], 'teams'],
  ] as const)('declarer %o with channels %j is reminded by %s', async (ids, channels, expected) => {
    await h.close();
    h = coreHarness(channels);
    ann = await h.person({ name: 'Ann', email: 'ann@corp.example' });
    const dec = await h.person({ name: 'Dec', role: 'responder', ...ids, preferences: ['email'] });
    await incident(dec);
    advance(WINDOW);
    await run();
    expect(reminders()).toEqual([
      { person: 'Dec', channel: expected, kind: 'reminder', state: 'pending' },
    ]);
  });
});
