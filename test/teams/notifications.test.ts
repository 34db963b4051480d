import { afterEach, describe, expect, it } from 'vitest';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { personByEmail } from '../../src/actions/identify-person.js';
import { postStatusUpdate } from '../../src/actions/post-status-update.js';
import { resolveIncident } from '../../src/actions/resolve-incident.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import type { Target } from '../../src/domain/targets.js';
import type { Person } from '../../src/domain/types.js';
import { eventually } from '../support/eventually.js';
import { startTeamsHarness, type TeamsHarness } from './harness.js';

let h: TeamsHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

function responder(harness: TeamsHarness): Promise<Person> {
  return harness.herald.ctx.store.people.create(
    { displayName: 'Rita Responder', email: 'rita@corp.example', role: 'responder' },
    Date.now(),
  );
}

/** People as the neutral targets the actions take. */
const people = (...ps: Person[]): Target[] => ps.map((p) => ({ kind: 'person', personId: p.id }));

describe('Teams notifications', () => {
  it('install, subscribe, flagged update and resolve each reach the Teams DM once; an internal update sends nothing', async () => {
    h = await startTeamsHarness();
    const { ctx } = h.herald;
    const ann = h.user('Ann Stakeholder');
    await h.send(ann.install());
    const annPerson = await h.person(ann);
    expect(annPerson).toMatchObject({
      email: 'ann-stakeholder@corp.example',
      teamsReachable: true,
    });
    const welcome = h.fake.sentTo(ann.conversationId);
    expect(welcome).toHaveLength(1);

    const rita = await responder(h);
    const { incident } = await declareIncident(ctx, rita, {
      title: 'Checkout errors',
      summary: 'Some payments fail; retrying works.',
      severity: 'SEV2',
      service: 'checkout',
      source: 'slack',
    });
    await subscribeToIncident(ctx, rita, { incidentId: incident.id, targets: people(annPerson) });
    await eventually(() => expect(h!.fake.cardsIn(ann.conversationId)).toHaveLength(1));
    await postStatusUpdate(ctx, rita, {
      incidentId: incident.id,
      text: 'Internal: db failover',
      notifyStakeholders: false,
    });
    await postStatusUpdate(ctx, rita, {
      incidentId: incident.id,
      text: 'Fix deployed',
      notifyStakeholders: true,
    });
    await resolveIncident(ctx, rita, { incidentId: incident.id, note: 'Root cause: expired cert' });
    await eventually(() => expect(h!.fake.cardsIn(ann.conversationId)).toHaveLength(3));
    await h.herald.worker.stop(1000);

    const cards = h.fake.cardsIn(ann.conversationId);
    const texts = cards.map((c) => JSON.stringify(c));
    expect(texts[0]).toContain('You are now following incident #1');
    expect(texts[1]).toContain('Fix deployed');
    expect(texts[2]).toContain('expired cert');
    expect(texts.join()).not.toContain('db failover');
    expect(h.fake.cardErrors).toEqual([]);
    expect(h.deliveries().map((d) => `${d.kind}:${d.channel}:${d.state}`)).toEqual([
      'subscribed:teams:sent',
      'update:teams:sent',
      'resolved:teams:sent',
    ]);
  });

  it('a person first subscribed by email from Slack who installs the app is the same person', async () => {
    h = await startTeamsHarness();
    const { ctx } = h.herald;
    const rita = await responder(h);
    const { incident } = await declareIncident(ctx, rita, { title: 'VPN down', source: 'slack' });
    const byEmail = await personByEmail(ctx, 'bob.builder@corp.example');
    await subscribeToIncident(ctx, rita, { incidentId: incident.id, targets: people(byEmail) });
    await eventually(() => expect(h!.email.sent).toHaveLength(1));

    const bob = h.user('Bob Builder', { email: 'Bob.Builder@CORP.example' });
    await h.send(bob.install());
    expect((await h.person(bob)).id).toBe(byEmail.id);
    expect(await h.person(bob)).toMatchObject({ displayName: 'Bob Builder', teamsReachable: true });

    // Now reachable on Teams, Bob hears the next update there (his default), not by email.
    await postStatusUpdate(ctx, rita, {
      incidentId: incident.id,
      text: 'Tunnel restored',
      notifyStakeholders: true,
    });
    await eventually(() => expect(h!.fake.cardsIn(bob.conversationId)).toHaveLength(1));
    expect(h.email.sent).toHaveLength(1);
    await h.send(bob.message('incidents'));
    expect(h.fake.sentTo(bob.conversationId).at(-1)?.activity.text).toContain('VPN down');
  });

  it('the preferences card round trip changes where the next notification goes', async () => {
    h = await startTeamsHarness();
    const { ctx } = h.herald;
    const cy = h.user('Cy Stakeholder');
    await h.send(cy.install());
    const rita = await responder(h);
    const { incident } = await declareIncident(ctx, rita, {
      title: 'Search slow',
      source: 'slack',
    });
    await subscribeToIncident(ctx, rita, {
      incidentId: incident.id,
      targets: people(await h.person(cy)),
    });
    await eventually(() => expect(h!.fake.cardsIn(cy.conversationId)).toHaveLength(1));

    await h.send(cy.message('preferences'));
    const form = h.fake.cardsIn(cy.conversationId).at(-1) as {
      body: Array<{ type: string; id?: string; value?: string }>;
      actions: Array<{ title: string; data: Record<string, unknown> }>;
    };
    const toggles = form.body.filter((e) => e.type === 'Input.Toggle');
    expect(toggles.map((t) => [t.id, t.value])).toEqual([
      ['channel_teams', 'true'],
      ['channel_email', 'false'],
    ]);
    const save = form.actions.find((a) => a.title === 'Save')!;
    // What Teams posts for Action.Submit: the action's data merged with the inputs' values.
    await h.send(cy.submit({ ...save.data, channel_teams: 'false', channel_email: 'true' }));
    expect(h.fake.sentTo(cy.conversationId).at(-1)?.activity.text).toMatch(/^Saved\. .*email/);
    expect((await h.person(cy)).preferences).toEqual(['email']);

    await postStatusUpdate(ctx, rita, {
      incidentId: incident.id,
      text: 'Index rebuilt',
      notifyStakeholders: true,
    });
    await eventually(() =>
      expect(h!.email.sent.map((j) => j.event.payload.kind)).toEqual(['update']),
    );
    expect(h.fake.cardsIn(cy.conversationId)).toHaveLength(2); // the DM and the form, nothing new
    expect(h.fake.cardErrors).toEqual([]);
  });

  it('403 from the connector: the same notification goes by email, Teams is not retried and the person is unreachable there', async () => {
    h = await startTeamsHarness();
    const { ctx } = h.herald;
    const dee = h.user('Dee Blocked');
    await h.send(dee.install());
    const rita = await responder(h);
    const { incident } = await declareIncident(ctx, rita, { title: 'Login loop', source: 'slack' });
    h.fake.failNext(dee.conversationId, 1, { status: 403 });
    await subscribeToIncident(ctx, rita, {
      incidentId: incident.id,
      targets: people(await h.person(dee)),
    });

    await eventually(() => expect(h!.email.sent).toHaveLength(1));
    expect(h.email.sent[0]!.event.payload).toMatchObject({
      kind: 'subscribed',
      incident: { title: 'Login loop' },
    });
    await eventually(() =>
      expect(h!.deliveries().map((d) => [d.channel, d.state, d.attempts])).toEqual([
        ['teams', 'failed', 1],
        ['email', 'sent', 1],
      ]),
    );
    expect(h.fake.sendAttempts(dee.conversationId).filter((r) => r.status === 403)).toHaveLength(1);
    expect((await h.person(dee)).teamsReachable).toBe(false);

    // Later events go straight to email.
    await postStatusUpdate(ctx, rita, {
      incidentId: incident.id,
      text: 'Sessions reset',
      notifyStakeholders: true,
    });
    await eventually(() => expect(h!.email.sent).toHaveLength(2));
    expect(h.fake.sendAttempts(dee.conversationId)).toHaveLength(2); // welcome + the one 403
  });

  it('403 with no email known: the delivery is undeliverable', async () => {
    h = await startTeamsHarness();
    const { ctx } = h.herald;
    const eve = h.user('Eve Guest', {
      email: null,
      upn: 'eve_partner.example#EXT#@corp.onmicrosoft.example',
    });
    await h.send(eve.install());
    expect((await h.person(eve)).email).toBeNull();
    const rita = await responder(h);
    const { incident } = await declareIncident(ctx, rita, {
      title: 'Partner API errors',
      source: 'slack',
    });
    h.fake.failNext(eve.conversationId, 1, { status: 403 });
    await subscribeToIncident(ctx, rita, {
      incidentId: incident.id,
      targets: people(await h.person(eve)),
    });
    await eventually(() =>
      expect(h!.deliveries().map((d) => [d.channel, d.state])).toEqual([
        ['teams', 'undeliverable'],
      ]),
    );
    expect(h.email.sent).toEqual([]);
  });

  it('a 5xx is retried by the delivery engine, one connector request per attempt', async () => {
    h = await startTeamsHarness();
    const { ctx } = h.herald;
    const fay = h.user('Fay Patient');
    await h.send(fay.install());
    const rita = await responder(h);
    const { incident } = await declareIncident(ctx, rita, {
      title: 'Queue backlog',
      source: 'slack',
    });
    h.fake.failNext(fay.conversationId, 2, { status: 502 });
    await subscribeToIncident(ctx, rita, {
      incidentId: incident.id,
      targets: people(await h.person(fay)),
    });
    await eventually(() => expect(h!.fake.cardsIn(fay.conversationId)).toHaveLength(1));
    await eventually(() =>
      expect(h!.deliveries().map((d) => [d.channel, d.state, d.attempts])).toEqual([
        ['teams', 'sent', 3],
      ]),
    );
    const notificationSends = h.fake.sendAttempts(fay.conversationId).slice(1);
    expect(notificationSends.map((r) => r.status)).toEqual([502, 502, 200]);
  });
});
