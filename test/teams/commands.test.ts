import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { postStatusUpdate } from '../../src/actions/post-status-update.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import type { Person } from '../../src/domain/types.js';
import { eventually } from '../support/eventually.js';
import { BOT, TENANT } from '../support/teams-user.js';
import { startTeamsHarness, type TeamsHarness, type TeamsUser } from './harness.js';

let h: TeamsHarness;
let rita: Person;
beforeEach(async () => {
  h = await startTeamsHarness();
  rita = await h.herald.ctx.store.people.create(
    { displayName: 'Rita Responder', email: 'rita@corp.example', role: 'responder' },
    Date.now(),
  );
});
afterEach(async () => {
  await h.stop();
});

/** Sends a message and returns the text of the bot's reply (notifications may interleave). */
async function ask(user: TeamsUser, text: string): Promise<string> {
  const message = user.message(text);
  await h.send(message);
  const replies = h.fake.sentTo(user.conversationId).filter((a) => a.replyToId === message.id);
  expect(replies).toHaveLength(1);
  return replies[0]!.activity.text ?? '';
}

/** Two incidents; the stakeholder follows only the first. */
async function twoIncidents(stakeholder: Person) {
  const { ctx } = h.herald;
  const { incident: mine } = await declareIncident(ctx, rita, {
    title: 'Checkout errors',
    source: 'slack',
  });
  const { incident: other } = await declareIncident(ctx, rita, {
    title: 'Secret merger outage',
    source: 'slack',
  });
  await subscribeToIncident(ctx, rita, {
    incidentId: mine.id,
    targets: [{ kind: 'person', personId: stakeholder.id }],
  });
  await postStatusUpdate(ctx, rita, {
    incidentId: mine.id,
    text: 'Internal: db failover',
    notifyStakeholders: false,
  });
  await postStatusUpdate(ctx, rita, {
    incidentId: mine.id,
    text: 'Fix deployed',
    notifyStakeholders: true,
  });
  return { mine, other };
}

describe('Teams personal commands', () => {
  it('help lists the personal commands; a responder also learns about the shared grammar', async () => {
    const sam = h.user('Sam Stakeholder');
    await h.send(sam.install());
    const help = await ask(sam, 'help');
    for (const c of ['incidents', 'incident \\<id\\>', 'preferences', 'unsubscribe \\<id\\>']) {
      expect(help).toContain(c);
    }
    expect(help).not.toContain('responder');

    const ria = h.user('Rita Responder', { email: 'rita@corp.example' });
    await h.send(ria.install());
    expect(await h.person(ria)).toMatchObject({ id: rita.id, role: 'responder' });
    expect(await ask(ria, 'help')).toContain('incident notify \\<id\\> \\<text\\>');
  });

  it('incidents and incident <id> show only what the stakeholder follows; not subscribed reads as never used', async () => {
    const sam = h.user('Sam Stakeholder');
    await h.send(sam.install());
    const { mine, other } = await twoIncidents(await h.person(sam));

    const list = await ask(sam, 'incidents');
    expect(list).toContain('Checkout errors');
    expect(list).not.toContain('merger');

    const details = await ask(sam, `incident ${mine.id}`);
    expect(details).toContain('Fix deployed');
    expect(details).not.toContain('db failover');
    expect(await ask(sam, `incident #${mine.id}`)).toBe(details);

    const hidden = await ask(sam, `incident ${other.id}`);
    const never = await ask(sam, 'incident 999');
    expect(hidden).not.toContain('merger');
    expect(hidden.replace(String(other.id), 'N')).toBe(never.replace('999', 'N'));
    expect(hidden).toContain('not found');
    // Unsubscribing from it answers the same way.
    expect((await ask(sam, `unsubscribe ${other.id}`)).replace(String(other.id), 'N')).toBe(
      (await ask(sam, 'unsubscribe 999')).replace('999', 'N'),
    );
  });

  it('an @mention of the bot is not part of the command; an activity Herald has no route for gets no reply', async () => {
    const sam = h.user('Sam Stakeholder');
    await h.send(sam.install());
    await twoIncidents(await h.person(sam));
    const mention = '<at>Herald</at>';
    const message = sam.activity('message', {
      text: `${mention} incidents`,
      entities: [{ type: 'mention', text: mention, mentioned: BOT }],
    });
    await h.send(message);
    const replies = h.fake.sentTo(sam.conversationId).filter((a) => a.replyToId === message.id);
    expect(replies.map((r) => r.activity.text)).toEqual([await ask(sam, 'incidents')]);

    // The two incidents' cards go out through the engine, on their own time: all in before counting.
    await eventually(() => expect(h.fake.cardsIn(sam.conversationId)).toHaveLength(2));
    const before = h.fake.sentTo(sam.conversationId).length;
    await h.send(sam.activity('messageReaction', { reactionsAdded: [{ type: 'like' }] }));
    expect(h.fake.sentTo(sam.conversationId)).toHaveLength(before);
  });

  it('unsubscribe <id> stops the notifications for that incident', async () => {
    const sam = h.user('Sam Stakeholder');
    await h.send(sam.install());
    const { mine } = await twoIncidents(await h.person(sam));
    await eventually(() => expect(h.fake.cardsIn(sam.conversationId)).toHaveLength(2));

    expect(await ask(sam, `unsubscribe ${mine.id}`)).toBe(
      `You will no longer hear about #${mine.id}.`,
    );
    expect(await ask(sam, 'incidents')).toContain('not subscribed');
    await postStatusUpdate(h.herald.ctx, rita, {
      incidentId: mine.id,
      text: 'All good',
      notifyStakeholders: true,
    });
    await h.herald.worker.stop(1000);
    expect(h.fake.cardsIn(sam.conversationId)).toHaveLength(2);
  });

  it('a responder uses the /incident grammar as plain messages', async () => {
    const sam = h.user('Sam Stakeholder');
    const ria = h.user('Rita Responder', { email: 'rita@corp.example' });
    await h.send(sam.install(), ria.install());
    const { mine } = await twoIncidents(await h.person(sam));
    await eventually(() => expect(h.fake.cardsIn(sam.conversationId)).toHaveLength(2));

    expect(await ask(ria, `incident notify ${mine.id} Payments are flowing again`)).toMatch(
      /^Update sent to stakeholders of #1: notified 1 by Teams\.$/,
    );
    await eventually(() => expect(h.fake.cardsIn(sam.conversationId)).toHaveLength(3));
    expect(JSON.stringify(h.fake.cardsIn(sam.conversationId)[2])).toContain(
      'Payments are flowing again',
    );

    expect(await ask(ria, '/incident new Search is slow')).toContain('Declared #3 Search is slow');
    expect(await ask(ria, 'incident list')).toContain('Secret merger outage');
    // Modal replies point to the Slack form, or say how to do it here.
    expect(await ask(ria, 'incident new')).toContain('incident new \\<title\\>');
    expect(await ask(ria, `incident subscribe ${mine.id}`)).toContain('form in Slack');
    // Except preferences: that is the card.
    await h.send(ria.message('stakeholders prefs'));
    expect(h.fake.cardsIn(ria.conversationId)).toHaveLength(1);
    // Errors are friendly text with the usage.
    expect(await ask(ria, 'incident notify soon')).toMatch(/not an incident number.*Usage/s);
    expect(await ask(ria, 'incident resolve 999')).toBe('Incident #999 not found.');
    expect(h.fake.cardErrors).toEqual([]);
  });

  it("a stakeholder's incident new is refused and changes nothing", async () => {
    const sam = h.user('Sam Stakeholder');
    await h.send(sam.install());
    const reply = await ask(sam, 'incident new Everything is down');
    expect(reply).toContain('Only responders');
    expect(await ask(sam, 'stakeholders team list')).toContain('Only responders');
    expect(await h.herald.ctx.store.incidents.list({ limit: 10 })).toEqual([]);
  });

  it('malformed personal commands answer with their usage', async () => {
    const sam = h.user('Sam Stakeholder');
    await h.send(sam.install());
    expect(await ask(sam, 'unsubscribe soon')).toMatch(
      /not an incident number.*Usage: unsubscribe \\<id\\>/s,
    );
    expect(await ask(sam, 'unsubscribe')).toMatch(/missing.*Usage/s);
    expect(await ask(sam, 'what is going on')).toContain('Type help');
  });

  it('uninstall marks Teams unreachable (email takes over); a reinstall restores it', async () => {
    const sam = h.user('Sam Stakeholder');
    await h.send(sam.install());
    await h.send(sam.uninstall());
    expect(await h.person(sam)).toMatchObject({
      teamsReachable: false,
      teamsConversationRef: null,
    });
    const { mine } = await twoIncidents(await h.person(sam));
    await eventually(() => expect(h.email.sent).toHaveLength(2));
    expect(h.fake.cardsIn(sam.conversationId)).toEqual([]);

    await h.send(sam.install());
    expect((await h.person(sam)).teamsReachable).toBe(true);
    await postStatusUpdate(h.herald.ctx, rita, {
      incidentId: mine.id,
      text: 'Back on Teams',
      notifyStakeholders: true,
    });
    await eventually(() => expect(h.fake.cardsIn(sam.conversationId)).toHaveLength(1));
  });

  it('outside a personal chat Herald stores nothing and points to the personal chat', async () => {
    const sam = h.user('Sam Stakeholder');
    const inChannel = {
      ...sam.message('incidents'),
      conversation: { id: '19:channel@thread.tacv2', conversationType: 'channel', tenantId: 't' },
    };
    await h.send(inChannel);
    expect(await h.herald.ctx.store.people.byTeamsAadId(sam.member.aadObjectId)).toBeNull();
    expect(h.fake.sentTo('19:channel@thread.tacv2')[0]?.activity.text).toContain('personal chat');
  });

  it('the stored reference follows the service URL of the latest activity', async () => {
    const sam = h.user('Sam Stakeholder');
    await h.send(sam.install());
    // Teams moved the user to another regional service URL.
    await h.send({ ...sam.message('help'), serviceUrl: `${h.fake.url}emea/` });
    expect(JSON.parse((await h.person(sam)).teamsConversationRef!)).toMatchObject({
      serviceUrl: `${h.fake.url}emea/`,
      conversation: { id: sam.conversationId, tenantId: TENANT },
    });
    await twoIncidents(await h.person(sam));
    await eventually(() => expect(h.fake.cardsIn(sam.conversationId)).toHaveLength(2));
    expect(h.fake.sendAttempts(sam.conversationId).map((r) => r.prefix)).toEqual([
      '/', // the welcome, answered where the install came from
      '/emea/', // the help reply
      '/emea/',
      '/emea/',
    ]);
  });

  it('the email comes from userPrincipalName when the member has no email field', async () => {
    const uma = h.user('Uma Upn', { email: null, upn: 'Uma@Corp.example' });
    await h.send(uma.install());
    expect((await h.person(uma)).email).toBe('uma@corp.example');
  });

  it('a preferences submit naming someone else answers the same whether that person exists or not', async () => {
    const sam = h.user('Sam Stakeholder');
    const tom = h.user('Tom Target');
    await h.send(sam.install(), tom.install());
    const submitFor = (personId: number) =>
      sam.submit({ verb: 'herald.savePreferences', personId, channel_email: 'true' });
    const answers: string[] = [];
    for (const personId of [(await h.person(tom)).id, 424242]) {
      const submit = submitFor(personId);
      await h.send(submit);
      const reply = h.fake.sentTo(sam.conversationId).find((a) => a.replyToId === submit.id);
      answers.push(reply?.activity.text ?? '');
    }
    expect(answers[0]).toContain("not allowed to change someone else's preferences");
    expect(answers[1]).toBe(answers[0]);
    expect((await h.person(tom)).preferences).toBeNull();
  });

  it('a preferences submit naming someone else changes nothing unless an admin sent it', async () => {
    const sam = h.user('Sam Stakeholder');
    const tom = h.user('Tom Target');
    await h.send(sam.install(), tom.install());
    const forged = sam.submit({
      verb: 'herald.savePreferences',
      personId: (await h.person(tom)).id,
      channel_email: 'true',
      channel_teams: 'false',
    });
    await h.send(forged);
    const reply = h.fake.sentTo(sam.conversationId).find((a) => a.replyToId === forged.id);
    expect(reply?.activity.text).toContain("not allowed to change someone else's preferences");
    expect((await h.person(tom)).preferences).toBeNull();
    // An empty choice is refused with a reason, not saved.
    const none = sam.submit({
      verb: 'herald.savePreferences',
      personId: (await h.person(sam)).id,
    });
    await h.send(none);
    expect(
      h.fake.sentTo(sam.conversationId).find((a) => a.replyToId === none.id)?.activity.text,
    ).toContain('at least one channel');
    expect((await h.person(sam)).preferences).toBeNull();
  });
});
