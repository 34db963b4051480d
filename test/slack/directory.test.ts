import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { FakeClock } from '../support/fake-clock.js';
import { FakeSlack, type SlackUserFixture } from '../support/fake-slack.js';
import { viewSubmission } from '../support/slack-requests.js';
import { ephemeralReply, openedModal, slackHarness, type SlackHarness } from './harness.js';

// Issue 16, "Slack without a Tier 3 call per person": people named in a command are looked up in
// the shared cache, `users.list` pages or paced `users.info` calls — never faster than Slack's
// tiers, which the fake Slack enforces as Slack documents them (test/support/fake-slack.ts).

const SECOND = 1_000;

/** Lets loopback I/O and the promises behind it run. */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 2));

/** Posts straight to the fake's Web API, as a client would, and returns the status and body. */
async function callFake(slack: FakeSlack, method: string, args: Record<string, string> = {}) {
  const res = await fetch(`${slack.apiUrl}${method}`, {
    method: 'POST',
    headers: {
      authorization: 'Bearer xoxb-test',
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(args).toString(),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as Record<string, any>,
  };
}

describe('the fake Slack is as strict as Slack', () => {
  let clock: FakeClock;
  let slack: FakeSlack;
  beforeEach(async () => {
    clock = new FakeClock(0);
    slack = await new FakeSlack({ now: () => clock.now() }).start();
  });
  afterEach(() => slack.stop());

  it('users.info past Tier 4 gets 429 with Retry-After, and a call inside that window is recorded', async () => {
    slack.addUser({ id: 'UADA', name: 'Ada' });
    const burst = await Promise.all(
      Array.from({ length: 21 }, () => callFake(slack, 'users.info', { user: 'UADA' })),
    );
    expect(burst.filter((r) => r.status === 200)).toHaveLength(20);
    const refused = burst.find((r) => r.status === 429)!;
    expect(refused).toMatchObject({ retryAfter: '1', body: { ok: false, error: 'ratelimited' } });
    expect(slack.limited).toEqual([{ method: 'users.info', retryAfter: 1 }]);
    expect(slack.earlyRetries).toEqual([]);

    // Sent again well after the 429 was answered, but before its second was up: too early.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await callFake(slack, 'users.info', { user: 'UADA' })).status).toBe(429);
    expect(slack.earlyRetries).toEqual([{ method: 'users.info', earlyByMs: 1_000 }]);

    // Once Retry-After has passed, and a token has come back, the call goes through.
    clock.advance(1_000);
    expect((await callFake(slack, 'users.info', { user: 'UADA' })).status).toBe(200);
    expect(slack.earlyRetries).toHaveLength(1);
  });

  it('tiers are per method: users.list (Tier 2) runs out long before users.info (Tier 4)', async () => {
    for (let i = 0; i < 450; i++) slack.addUser({ id: `U${i}`, name: `User ${i}` });
    const pages: string[][] = [];
    let cursor = '';
    do {
      const page = await callFake(slack, 'users.list', { limit: '200', cursor });
      expect(page.status).toBe(200);
      pages.push((page.body.members as Array<{ id: string }>).map((m) => m.id));
      cursor = String(page.body.response_metadata.next_cursor);
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([200, 200, 50]);
    expect(new Set(pages.flat()).size).toBe(450);
    // Five calls in a burst for Tier 2: three spent above, two left, then 429.
    const more = await Promise.all(
      Array.from({ length: 3 }, () => callFake(slack, 'users.list', { limit: '200' })),
    );
    expect(more.map((r) => r.status)).toEqual([200, 200, 429]);
    expect((await callFake(slack, 'users.info', { user: 'U1' })).status).toBe(200);
    expect((await callFake(slack, 'views.publish', { user_id: 'U1' })).status).toBe(200);
  });
});

describe('Slack without a Tier 3 call per person (issue 16)', () => {
  let h: SlackHarness;
  let clock: FakeClock;
  beforeEach(async () => {
    // Starts at the real time: Bolt checks request timestamps against the system clock too. The
    // harness hands the same clock to the fake Slack, so its tiers and Herald's pacer agree on time.
    clock = new FakeClock(Date.now());
    h = await slackHarness({ clock });
  });
  afterEach(async () => {
    await h.close();
  });

  const mentions = (ids: readonly string[]) => ids.map((id) => `<@${id}>`).join(' ');
  const users = (prefix: string, n: number, from = 1): SlackUserFixture[] =>
    Array.from({ length: n }, (_, i) => {
      const id = `${prefix}${String(from + i).padStart(4, '0')}`;
      return {
        id,
        name: `Person ${id}`,
        email: `${id.toLowerCase()}@corp.example`,
        guest: i % 3 === 0,
      };
    });
  const calls = (method: string) => h.slack.callsOf(method).length;

  /** Sends `/stakeholders <text>` as `user`; returns the reply's response id. */
  async function stakeholders(user: string, text: string): Promise<string> {
    const { res, responseId } = await h.requests.command(user, '/stakeholders', text);
    expect(res.status).toBe(200);
    return responseId;
  }
  const replyTo = (id: string) =>
    h.slack.responses.find((r) => r.id === id)?.body.text as string | undefined;

  /**
   * Moves Herald's clock (and the fake Slack's) on in 50 ms steps, letting loopback I/O run between
   * them, until `done`; resolves with the Herald time it took. Requests are all sent before: Bolt
   * refuses a request signed more than five minutes from the system clock.
   */
  async function drive(done: () => boolean, limitMs = 4 * 60 * SECOND): Promise<number> {
    const start = clock.now();
    for (;;) {
      await tick();
      if (done()) return clock.now() - start;
      if (clock.now() - start > limitMs) throw new Error(`not done after ${limitMs} ms`);
      clock.advance(50);
    }
  }

  /** The ids of the Slack users who are members of `team`. */
  async function memberIds(team: string): Promise<string[]> {
    const teams = h.herald.ctx.store.stakeholderTeams;
    const members = await teams.members((await teams.byName(team))!.id);
    return members.map((p) => p.slackUserId ?? '').sort();
  }

  /** Six `/stakeholders team add big <@…> ×50` at once; every reply, and what it cost. */
  async function addSixFifties(ids: readonly string[]) {
    expect(
      await ephemeralReply(h, 'UADA', '/stakeholders', 'team create big The whole company'),
    ).toMatch(/^Created team:big\./);
    const before = { info: calls('users.info'), list: calls('users.list') };
    const realStart = performance.now();
    const sent = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        stakeholders('UADA', `team add big ${mentions(ids.slice(i * 50, i * 50 + 50))}`),
      ),
    );
    const heraldMs = await drive(() => sent.every((id) => replyTo(id) !== undefined));
    return {
      replies: sent.map(replyTo),
      usersInfo: calls('users.info') - before.info,
      usersList: calls('users.list') - before.list,
      heraldMs,
      realMs: Math.round(performance.now() - realStart),
    };
  }

  it('300 users added to a team by mention, six commands of 50: all added, no error, no 429', async () => {
    const people = users('U', 300);
    for (const u of people) h.slack.addUser(u);
    const ids = people.map((u) => u.id);

    const run = await addSixFifties(ids);

    console.info(
      `300 members by mention: users.list ×${run.usersList}, users.info ×${run.usersInfo}; ` +
        `${run.heraldMs} ms of Herald time, ${run.realMs} ms real`,
    );
    expect(run.replies).toEqual(Array(6).fill('Added 50 members to team:big.'));
    expect(await memberIds('big')).toEqual([...ids].sort());
    // The workspace (305 users) is two pages; the first command's listing caches all of it, so
    // the other five are answered from the cache. No users.info per person.
    expect(run.usersList).toBe(2);
    expect(run.usersInfo).toBe(0);
    expect(h.slack.limited).toEqual([]);
    expect(h.slack.earlyRetries).toEqual([]);
    expect(h.slack.problems).toEqual([]);
    expect(h.count('platform_profiles')).toBe(305);
  });

  it('in a workspace of 2,300 the list is paced under Tier 2 and paced users.info runs alongside it', async () => {
    // The 300 come last in the directory: the list reaches them on pages 11 and 12, after its
    // burst of three pages, one page per 3.3 s; meanwhile users.info looks people up at Tier 4.
    for (const u of users('UF', 2_000)) h.slack.addUser(u);
    const people = users('U', 300);
    for (const u of people) h.slack.addUser(u);
    const ids = people.map((u) => u.id);

    const run = await addSixFifties(ids);

    console.info(
      `300 members in a workspace of 2,305: users.list ×${run.usersList}, ` +
        `users.info ×${run.usersInfo}; ${run.heraldMs} ms of Herald time, ${run.realMs} ms real`,
    );
    expect(run.replies).toEqual(Array(6).fill('Added 50 members to team:big.'));
    expect(await memberIds('big')).toEqual([...ids].sort());
    expect(run.usersList).toBe(12);
    // Far fewer calls than people; each one within the tiers.
    expect(run.usersInfo + run.usersList).toBeLessThan(100);
    expect(run.heraldMs).toBeGreaterThan(20 * SECOND);
    expect(h.slack.limited).toEqual([]);
    expect(h.slack.earlyRetries).toEqual([]);
  });

  it('a 429 (the tier spent by someone else) pauses the listing until Retry-After; the command still succeeds', async () => {
    const people = users('U', 20);
    for (const u of people) h.slack.addUser(u);
    await ephemeralReply(h, 'UADA', '/stakeholders', 'team create big Everyone');
    h.slack.failNext('users.list', { status: 429, retryAfter: 3 });
    const id = await stakeholders('UADA', `team add big ${mentions(people.map((u) => u.id))}`);
    const heraldMs = await drive(() => replyTo(id) !== undefined);
    expect(replyTo(id)).toBe('Added 20 members to team:big.');
    expect(calls('users.list')).toBe(2);
    expect(heraldMs).toBeGreaterThanOrEqual(3 * SECOND);
    expect(h.slack.earlyRetries).toEqual([]);
  });

  it('a handful of strangers costs a users.info each; more, one users.list page; after that, the cache', async () => {
    const people = users('U', 30);
    for (const u of people) h.slack.addUser(u);
    const ids = people.map((u) => u.id);
    await ephemeralReply(h, 'UADA', '/stakeholders', 'team create big Everyone');
    const info = calls('users.info');

    // Five, with a 429 on the second: waited out, not an error.
    h.slack.failNext('users.info', { status: 429, retryAfter: 1 }, 1);
    const five = await stakeholders('UADA', `team add big ${mentions(ids.slice(0, 5))}`);
    await drive(() => replyTo(five) !== undefined);
    expect(replyTo(five)).toBe('Added 5 members to team:big.');
    expect(calls('users.info') - info).toBe(6);
    expect(calls('users.list')).toBe(0);

    // Six: one page lists the whole (small) workspace and caches it.
    const six = await stakeholders('UADA', `team add big ${mentions(ids.slice(5, 11))}`);
    await drive(() => replyTo(six) !== undefined);
    expect(replyTo(six)).toBe('Added 6 members to team:big.');
    expect(calls('users.list')).toBe(1);
    expect(calls('users.info') - info).toBe(6);

    // Strangers still, but cached: no call at all — on any replica sharing the database.
    const cached = await stakeholders('UADA', `team add big ${mentions(ids.slice(11, 30))}`);
    await drive(() => replyTo(cached) !== undefined);
    expect(replyTo(cached)).toBe('Added 19 members to team:big.');
    expect(calls('users.list')).toBe(1);
    expect(calls('users.info') - info).toBe(6);
    expect(h.slack.earlyRetries).toEqual([]);

    // A mention of someone Slack does not know is still refused, after one users.info.
    const nobody = await stakeholders('UADA', 'team add big <@UNOBODY>');
    await drive(() => replyTo(nobody) !== undefined);
    expect(replyTo(nobody)).toBe('Herald does not know the Slack user UNOBODY.');
  });

  it('without users.list (a token without the scope) each stranger is looked up alone; a failed send is sent again', async () => {
    const people = users('U', 8);
    for (const u of people) h.slack.addUser(u);
    await ephemeralReply(h, 'UADA', '/stakeholders', 'team create big Everyone');
    const info = calls('users.info');
    h.slack.failNext('users.list', { error: 'missing_scope' });
    h.slack.failNext('users.info', { status: 500 });
    const id = await stakeholders('UADA', `team add big ${mentions(people.map((u) => u.id))}`);
    await drive(() => replyTo(id) !== undefined);
    expect(replyTo(id)).toBe('Added 8 members to team:big.');
    expect(calls('users.list')).toBe(1);
    expect(calls('users.info') - info).toBe(9);
  });

  it('a modal waits its three seconds at most, asks to try again, and the retry is served from the cache', async () => {
    await ephemeralReply(h, 'URITA', '/incident', 'new Checkout errors');
    h.slack.addUser({ id: 'UNEW', name: 'Nina', email: 'nina@corp.example' });
    const view = await openedModal(h, 'URITA', '/incident', 'subscribe 1');
    const submit = async () => {
      const res = await h.requests.interaction(
        viewSubmission('URITA', view, {
          summary: { type: 'plain_text_input', value: 'Checkout errors' },
          people: { type: 'multi_users_select', selected_users: ['UNEW'] },
        }),
      );
      expect(res.status).toBe(200);
      return (await res.json()) as Record<string, any>;
    };

    const release = h.slack.hold('users.info');
    const slow = submit();
    await eventually(() => expect(h.slack.callsOf('users.info').at(-1)?.args.user).toBe('UNEW'));
    clock.advance(2 * SECOND);
    expect(await slow).toEqual({
      response_action: 'errors',
      errors: { people: 'Slack did not answer in time; nothing was changed. Please try again.' },
    });
    expect(h.count('subscriptions')).toBe(0);

    // Slack answers late: the answer is kept, and the retry needs no call.
    release();
    const cachedNew = () =>
      h.sqlite.prepare("SELECT count(*) AS n FROM platform_profiles WHERE user_id = 'UNEW'").get();
    await eventually(() => expect(cachedNew()).toEqual({ n: 1 }));
    const asked = calls('users.info');
    const retried = await submit();
    expect(retried.response_action).toBe('update');
    expect(calls('users.info')).toBe(asked);
    expect(h.count('subscriptions')).toBe(1);
  });
});
