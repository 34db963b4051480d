import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { FakeClock } from '../support/fake-clock.js';
import { slackHarness, type SlackHarness } from './harness.js';

let h: SlackHarness;
let clock: FakeClock;
beforeEach(async () => {
  // Starts at the real time: Bolt checks request timestamps against the system clock too.
  clock = new FakeClock(Date.now());
  h = await slackHarness({ clock });
});
afterEach(async () => {
  await h.close();
});

const MINUTE = 60_000;
const REFUSED = 'You are not allowed to declare incidents.';

/** Runs `/incident` and returns the ephemeral reply. */
async function incident(user: string, text: string): Promise<string> {
  const { res, responseId } = await h.requests.command(user, '/incident', text);
  expect(res.status).toBe(200);
  return eventually(() => {
    const r = h.slack.responses.find((x) => x.id === responseId);
    if (!r) throw new Error(`no reply to /incident ${text}`);
    return String(r.body.text);
  });
}

const rita = () => h.herald.ctx.store.people.bySlackUserId('URITA');
const lookups = () => h.slack.callsOf('users.info').filter((c) => c.args.user === 'URITA').length;
const userChange = (id: string) =>
  h.requests.event({ type: 'user_change', user: h.slack.userObject(id), event_ts: '1.000100' });

describe('role changes in Slack take effect promptly (issue 12, item 4)', () => {
  it('a member turned guest is a stakeholder as soon as Slack sends user_change', async () => {
    expect(await incident('URITA', 'new Before')).toMatch(/^Declared #1/);
    h.slack.addUser({ id: 'URITA', name: 'Rita', email: 'rita@corp.example', guest: true });
    expect((await userChange('URITA')).status).toBe(200);
    await eventually(async () => expect((await rita())?.role).toBe('stakeholder'));
    expect(await incident('URITA', 'new After')).toBe(REFUSED);
    expect(h.count('incidents')).toBe(1);
  });

  it('a demotion applies within two minutes when the user_change event is lost', async () => {
    expect(await incident('URITA', 'new Before')).toMatch(/^Declared #1/);
    const asked = lookups();
    h.slack.addUser({ id: 'URITA', name: 'Rita', email: 'rita@corp.example', guest: true });
    // Within the bound the known record answers, without asking Slack again.
    clock.advance(MINUTE);
    expect(await incident('URITA', 'new Still a member')).toMatch(/^Declared #2/);
    expect(lookups()).toBe(asked);
    // Two minutes after Slack last confirmed her, Herald asks again before acting.
    clock.advance(MINUTE);
    expect(await incident('URITA', 'new After')).toBe(REFUSED);
    expect(lookups()).toBe(asked + 1);
    expect((await rita())?.role).toBe('stakeholder');
    expect(h.count('incidents')).toBe(2);
  });

  it('a deactivated account is refused and no longer reached by Slack DM', async () => {
    expect(await incident('URITA', 'new Before')).toMatch(/^Declared #1/);
    h.slack.addUser({ id: 'URITA', name: 'Rita', email: 'rita@corp.example', deleted: true });
    await userChange('URITA');
    await eventually(async () => expect((await rita())?.slackReachable).toBe(false));
    expect(await incident('URITA', 'new After')).toBe('Your Slack account is deactivated.');
    expect(h.count('incidents')).toBe(1);
  });

  it('user_change for someone Herald has never met creates nobody', async () => {
    const people = h.count('people');
    await userChange('UANN');
    // A later event Herald does act on shows the first one was handled.
    await incident('URITA', 'list');
    expect(await h.herald.ctx.store.people.bySlackUserId('UANN')).toBeNull();
    expect(h.count('people')).toBe(people + 1);
  });

  it('when Slack is slow, the known record acts and the late answer still applies', async () => {
    expect(await incident('URITA', 'new Before')).toMatch(/^Declared #1/);
    h.slack.addUser({ id: 'URITA', name: 'Rita', email: 'rita@corp.example', guest: true });
    clock.advance(2 * MINUTE);
    const asked = lookups();
    const release = h.slack.hold('users.info');
    const { responseId } = await h.requests.command('URITA', '/incident', 'new During the outage');
    await eventually(() => expect(lookups()).toBe(asked + 1));
    // Slack has not answered within a second: Herald goes on with what it knew.
    clock.advance(1_000);
    await eventually(() =>
      expect(h.slack.responses.find((r) => r.id === responseId)?.body.text).toMatch(/^Declared #2/),
    );
    expect((await rita())?.role).toBe('responder');
    release();
    await eventually(async () => expect((await rita())?.role).toBe('stakeholder'));
    expect(await incident('URITA', 'new After')).toBe(REFUSED);
  });
});
