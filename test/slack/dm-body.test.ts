import { afterEach, describe, expect, it } from 'vitest';
import { DirectMessageBodies } from '../../adapters/slack/dm-body.js';
import { SlackDirectMessenger } from '../../adapters/slack/messenger.js';
import { SlackPostMessage } from '../../adapters/slack/post-message.js';
import { notificationBlocks, notificationText } from '../../adapters/slack/views/message.js';
import type { DeliveryJob } from '../../src/delivery/ports.js';
import type { EventKind, EventPayload } from '../../src/domain/types.js';
import { FakeSlack } from '../support/fake-slack.js';
import { HOSTILE_TEXT, HOSTILE_TITLE } from '../support/hostile-text.js';

// A DM's body is rendered once per event and the reader's link spliced in: it must be exactly the
// arguments the straightforward rendering gives, for every kind of event and reader.

const payload = (kind: EventKind, over: Partial<EventPayload['incident']> = {}): EventPayload => ({
  kind,
  incident: {
    id: 7,
    title: HOSTILE_TITLE,
    summary: HOSTILE_TEXT,
    severity: 'SEV2',
    service: 'checkout',
    status: kind === 'resolved' ? 'resolved' : 'open',
    ...over,
  },
  text: kind === 'subscribed' ? null : `${HOSTILE_TEXT} "quoted" \\ back\u2028slash`,
  at: Date.UTC(2026, 10, 26, 9, 5),
  by: 'Rita <!channel>',
});

let nextDelivery = 1;
const job = (
  eventId: number,
  p: EventPayload,
  personId: number,
  slackUserId: string,
): DeliveryJob =>
  ({
    delivery: { id: nextDelivery++ },
    person: { id: personId, slackUserId },
    event: { id: eventId, incidentId: p.incident.id, kind: p.kind, payload: p, createdAt: p.at },
    threadRootId: null,
  }) as unknown as DeliveryJob;

/** What the messenger sent before bodies were cached: the same arguments, object by object. */
const expected = (p: EventPayload, channel: string, viewUrl: string | null) => ({
  channel,
  text: notificationText(p),
  mrkdwn: false,
  blocks: notificationBlocks(p, viewUrl),
  unfurl_links: false,
  unfurl_media: false,
});

describe('DirectMessageBodies', () => {
  it.each(['subscribed', 'update', 'resolved', 'reminder'] as const)(
    'a %s DM is the straightforward rendering, with and without a link, for reader after reader',
    (kind) => {
      const bodies = new DirectMessageBodies();
      for (const p of [payload(kind), payload(kind, { summary: '', service: null })]) {
        for (const [i, url] of [
          'https://herald.example/my/link/a_b-1',
          null,
          'https://herald.example/my/link/<&>"',
        ].entries()) {
          const body = bodies.of(job(1 + Number(!p.incident.summary), p, i, `U${i}`), `U${i}`, url);
          expect(JSON.parse(body)).toEqual(expected(p, `U${i}`, url));
        }
      }
    },
  );

  it('keeps the most recent events, and never serves one event for another', () => {
    const bodies = new DirectMessageBodies(2);
    const one = payload('update');
    const two = payload('resolved', { title: 'Second' });
    const three = payload('subscribed', { title: 'Third' });
    const text = (body: string) => (JSON.parse(body) as { text: string }).text;
    expect(text(bodies.of(job(1, one, 1, 'U1'), 'U1', null))).toBe(notificationText(one));
    expect(text(bodies.of(job(2, two, 1, 'U1'), 'U1', null))).toBe(notificationText(two));
    // 1 is used again, so 2 is the oldest when 3 comes; all three still render right.
    bodies.of(job(1, one, 2, 'U2'), 'U2', null);
    expect(text(bodies.of(job(3, three, 1, 'U1'), 'U1', null))).toBe(notificationText(three));
    expect(text(bodies.of(job(2, two, 2, 'U2'), 'U2', null))).toBe(notificationText(two));
    // The same id standing for another event (a fresh database): rendered anew.
    const other = { ...payload('update', { id: 8, title: 'Other' }), at: one.at + 1 };
    expect(text(bodies.of(job(1, other, 3, 'U3'), 'U3', null))).toBe(notificationText(other));
  });
});

describe('SlackDirectMessenger over the DM client', () => {
  let slack: FakeSlack | null = null;
  let client: SlackPostMessage | null = null;
  afterEach(async () => {
    client?.close();
    await slack?.stop();
  });

  it("sends Slack's JSON the fake finds nothing to object to, each reader with their own link", async () => {
    slack = await new FakeSlack({ tiers: { 'chat.postMessage': null } }).start();
    client = new SlackPostMessage({ token: 'xoxb-test', apiUrl: slack.apiUrl });
    const messenger = new SlackDirectMessenger(client, {
      incidentLink: ({ personId, incidentId }) =>
        `https://herald.example/my/link/${personId}-${incidentId}`,
    });
    const p = payload('update');
    for (let person = 1; person <= 30; person++)
      await messenger.send(job(5, p, person, `U${person}`));
    await messenger.send(job(6, payload('reminder'), 1, 'U1'));
    expect(slack.problems).toEqual([]);
    const calls = slack.callsOf('chat.postMessage');
    expect(calls).toHaveLength(31);
    calls
      .slice(0, 30)
      .forEach((c, i) =>
        expect(c.args).toEqual(
          expected(p, `U${i + 1}`, `https://herald.example/my/link/${i + 1}-7`),
        ),
      );
    // A reminder goes to the declarer, who may not follow the incident: no link.
    expect(calls[30]!.args).toEqual(expected(payload('reminder'), 'U1', null));
    expect(slack.connections).toBe(1);
  });

  it('an unreachable person is a permanent, unreachable failure, as before', async () => {
    slack = await new FakeSlack().start();
    slack.failDmsTo('UANN', { error: 'user_disabled' });
    client = new SlackPostMessage({ token: 'xoxb-test', apiUrl: slack.apiUrl });
    const messenger = new SlackDirectMessenger(client);
    await expect(messenger.send(job(1, payload('update'), 1, 'UANN'))).rejects.toMatchObject({
      kind: 'permanent',
      message: 'slack: user_disabled',
      options: { unreachable: true },
    });
    await expect(
      messenger.send({
        ...job(1, payload('update'), 2, ''),
        person: { id: 2, slackUserId: null },
      } as never),
    ).rejects.toMatchObject({ kind: 'permanent', options: { unreachable: true } });
  });

  it('a send held past the client time-out fails as transient; the next one goes through', async () => {
    slack = await new FakeSlack().start();
    const release = slack.hold('chat.postMessage');
    const client = new SlackPostMessage({
      token: 'xoxb-web',
      apiUrl: slack.apiUrl,
      timeoutMs: 200,
    });
    const messenger = new SlackDirectMessenger(client);
    await expect(messenger.send(job(1, payload('update'), 1, 'U1'))).rejects.toMatchObject({
      kind: 'transient',
      message: 'slack: no answer in 200 ms',
    });
    release();
    await messenger.send(job(1, payload('update'), 1, 'U1'));
    expect(slack.problems).toEqual([]);
    expect(slack.callsOf('chat.postMessage')).toHaveLength(2);
  });
});
