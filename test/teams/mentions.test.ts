import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteExecutor } from '../../db/sqlite-executor.js';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { eventually } from '../support/eventually.js';
import { startTeamsHarness, type TeamsHarness, type TeamsUser } from './harness.js';

let h: TeamsHarness;
let ria: TeamsUser;
let theo: TeamsUser;
beforeEach(async () => {
  h = await startTeamsHarness();
  const { ctx } = h.herald;
  const rita = await ctx.store.people.create(
    { displayName: 'Rita Responder', email: 'rita@corp.example', role: 'responder' },
    Date.now(),
  );
  ria = h.user('Rita Responder', { email: 'rita@corp.example' });
  theo = h.user('Theo');
  // Both installed the app: Herald knows Theo by his Teams identity.
  await h.send(ria.install(), theo.install());
  // Incident #42, as in the issue.
  for (let i = 1; i <= 42; i += 1) {
    await declareIncident(ctx, rita, {
      title: i === 42 ? 'Checkout errors' : `Earlier incident ${i}`,
      source: 'slack',
    });
  }
});
afterEach(async () => {
  await h.stop();
});

const count = (table: string) =>
  (
    (h.herald.db as SqliteExecutor).sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as {
      n: number;
    }
  ).n;

/** Member look-ups the bot made at the connector for one Teams user id or Entra id. */
const lookupsOf = (userId: string) =>
  h.fake.requests.filter(
    (r) => r.method === 'GET' && decodeURIComponent(r.path).endsWith(`/members/${userId}`),
  );

/** Sends a message and returns the text of the bot's one reply to it. */
async function send(user: TeamsUser, message: Record<string, unknown>): Promise<string> {
  await h.send(message);
  const replies = h.fake.sentTo(user.conversationId).filter((a) => a.replyToId === message.id);
  expect(replies).toHaveLength(1);
  return replies[0]!.activity.text ?? '';
}

/** Theo (the person who installed the app, no one new) is subscribed and told so on Teams. */
async function expectTheoSubscribed(reply: string, peopleBefore: number) {
  expect(reply).toBe('Subscribed 1 person to #42; notified 1 by Teams.');
  expect(count('people')).toBe(peopleBefore);
  const theoPerson = await h.person(theo);
  expect(
    (h.herald.db as SqliteExecutor).sqlite
      .prepare('SELECT incident_id AS incidentId FROM subscriptions WHERE person_id = ?')
      .all(theoPerson.id),
  ).toEqual([{ incidentId: 42 }]);
  await eventually(() => expect(h.fake.cardsIn(theo.conversationId)).toHaveLength(1));
  const card = JSON.stringify(h.fake.cardsIn(theo.conversationId)[0]);
  expect(card).toContain('You are now following incident #42');
  expect(card).toContain('Checkout errors');
  await eventually(() =>
    expect(
      h
        .deliveries()
        .filter((d) => d.personId === theoPerson.id)
        .map((d) => `${d.kind}:${d.channel}:${d.state}`),
    ).toEqual(['subscribed:teams:sent']),
  );
  expect(h.email.sent).toEqual([]);
  expect(h.fake.cardErrors).toEqual([]);
}

describe('a Teams responder subscribes someone by @mention', () => {
  it('incident subscribe 42 <at>Theo</at>: the entity without aadObjectId is looked up through the connector', async () => {
    const peopleBefore = count('people');
    const lookupsBefore = lookupsOf(theo.member.id).length;
    const reply = await send(
      ria,
      ria.message('incident subscribe 42 <at>Theo</at>', [theo.mentionEntity()]),
    );
    // The door's directory asked the connector who 29:theo is, and got his Entra id.
    expect(lookupsOf(theo.member.id)).toHaveLength(lookupsBefore + 1);
    await expectTheoSubscribed(reply, peopleBefore);
  });

  it('incident subscribe 42 <at>Theo</at>: the entity with aadObjectId needs no look-up', async () => {
    const peopleBefore = count('people');
    const lookupsBefore = h.fake.requests.filter((r) => r.method === 'GET').length;
    const reply = await send(
      ria,
      ria.message('incident subscribe 42 <at>Theo</at>', [theo.mentionEntity({ aad: true })]),
    );
    expect(h.fake.requests.filter((r) => r.method === 'GET')).toHaveLength(lookupsBefore);
    await expectTheoSubscribed(reply, peopleBefore);
  });

  it('a mention of someone the connector does not know is refused and writes nothing', async () => {
    const peopleBefore = count('people');
    const reply = await send(
      ria,
      ria.message('incident subscribe 42 <at>Ghost</at>', [
        { type: 'mention', text: '<at>Ghost</at>', mentioned: { id: '29:ghost', name: 'Ghost' } },
      ]),
    );
    expect(reply).toBe('Herald does not know the Teams user 29:ghost.');
    expect(lookupsOf('29:ghost')).toHaveLength(1);
    expect(count('people')).toBe(peopleBefore);
    expect(count('subscriptions')).toBe(0);
  });
});
