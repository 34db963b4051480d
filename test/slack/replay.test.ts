import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { FakeClock } from '../support/fake-clock.js';
import { slackHarness, type SlackHarness } from './harness.js';

let h: SlackHarness;
afterEach(async () => {
  await h.close();
});

const seconds = (ms: number) => Math.floor(ms / 1000);

/** Herald's replies to one command: in its ack, or to its response_url. */
const repliesTo = (responseId: string) =>
  h.slack.responses.filter((r) => r.id === responseId).map((r) => String(r.body.text));

/** Runs a command and waits for its one reply. */
async function command(user: string, text: string): Promise<string> {
  const { res, responseId } = await h.requests.command(user, '/incident', text);
  expect(res.status).toBe(200);
  return eventually(() => {
    const [reply] = repliesTo(responseId);
    if (reply === undefined) throw new Error(`no reply to /incident ${text}`);
    return reply;
  });
}

const homeOpened = (user: string) => ({ type: 'app_home_opened', user, tab: 'home' });
const publishesTo = (user: string) =>
  h.slack.callsOf('views.publish').filter((c) => c.args.user_id === user).length;

describe('a signed request is acted on once (issue 12, item 3)', () => {
  it('the same signed slash command sent three times declares one incident', async () => {
    h = await slackHarness();
    const built = h.requests.commandBody('URITA', '/incident', 'new Replayed');
    const headers = h.requests.sign(built.body);
    for (let i = 0; i < 3; i += 1) {
      const res = await h.requests.postCommand(built, headers);
      // A replay is acknowledged like the original, so Slack (or a proxy resending) sees no error.
      expect(res.status).toBe(200);
    }
    // A later command from the same person: its reply lists what the three requests declared.
    expect(await command('URITA', 'list')).toBe('Open incidents:\n• #1 Replayed — SEV3 · open');
    expect(repliesTo(built.responseId)).toEqual([expect.stringMatching(/^Declared #1 Replayed/)]);
    expect(h.count('incidents')).toBe(1);
  });

  it('an Events API retry (same event_id, X-Slack-Retry-Num) is acknowledged, not acted on again', async () => {
    h = await slackHarness();
    expect((await h.requests.event(homeOpened('URITA'), { eventId: 'Ev1' })).status).toBe(200);
    // Slack retries with the same event id, a new timestamp and signature, and a retry number.
    const retry = await h.requests.event(homeOpened('URITA'), {
      eventId: 'Ev1',
      eventTime: seconds(Date.now()) + 1,
      retryNum: 1,
    });
    expect(retry.status).toBe(200);
    // A retry of a delivery Herald never received is the first it sees: acted on.
    const unseen = await h.requests.event(homeOpened('UANN'), { eventId: 'Ev2', retryNum: 2 });
    expect(unseen.status).toBe(200);
    await eventually(() => expect(publishesTo('UANN')).toBe(1));
    await eventually(() => expect(publishesTo('URITA')).toBe(1));
    // Once more after both have been handled: still one App Home published for Rita.
    await h.requests.event(homeOpened('UADA'), { eventId: 'Ev3' });
    await eventually(() => expect(publishesTo('UADA')).toBe(1));
    expect(publishesTo('URITA')).toBe(1);
  });

  it('a timestamp more than five minutes ahead gets 401 with a JSON error; four minutes ahead is fine', async () => {
    h = await slackHarness();
    const ahead = async (minutes: number, text: string) => {
      const built = h.requests.commandBody('URITA', '/incident', text);
      const res = await h.requests.postCommand(
        built,
        h.requests.sign(built.body, seconds(Date.now()) + minutes * 60),
      );
      return { res, responseId: built.responseId };
    };
    const { res: future } = await ahead(60, 'new From the future');
    expect(future.status).toBe(401);
    expect(await future.json()).toEqual({
      error: {
        code: 'UNAUTHORIZED',
        message: 'The request timestamp is more than five minutes in the future.',
      },
    });
    // Clocks drift: Slack's may run a little ahead of Herald's.
    const slightly = await ahead(4, 'new Slightly ahead');
    expect(slightly.res.status).toBe(200);
    await eventually(() =>
      expect(repliesTo(slightly.responseId)).toEqual([
        expect.stringMatching(/^Declared #1 Slightly ahead/),
      ]),
    );
    expect(h.count('incidents')).toBe(1);
  });

  it('once the five-minute window has passed, a replay is refused as stale', async () => {
    const clock = new FakeClock(Date.now());
    h = await slackHarness({ clock });
    const built = h.requests.commandBody('URITA', '/incident', 'new Once');
    const headers = h.requests.sign(built.body);
    expect((await h.requests.postCommand(built, headers)).status).toBe(200);
    await eventually(() => expect(repliesTo(built.responseId)).toHaveLength(1));
    clock.advance(5 * 60_000 + 1_000);
    const late = await h.requests.postCommand(built, headers);
    expect(late.status).toBe(401);
    expect(await late.json()).toEqual({
      error: {
        code: 'UNAUTHORIZED',
        message: 'The request timestamp is more than five minutes old.',
      },
    });
    expect(h.count('incidents')).toBe(1);
  });
});
