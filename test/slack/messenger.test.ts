import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifySlackError } from '../../adapters/slack/messenger.js';
import { eventually } from '../support/eventually.js';
import { slackHarness, type SlackHarness } from './harness.js';

let h: SlackHarness;
beforeEach(async () => {
  h = await slackHarness();
});
afterEach(async () => {
  await h.close();
});

const run = async (user: string, text: string) => {
  const { responseId } = await h.requests.command(user, '/incident', text);
  return eventually(() => {
    const r = h.slack.responses.find((x) => x.id === responseId);
    if (!r) throw new Error('no reply');
    return String(r.body.text);
  });
};
const delivery = (person: string) =>
  h.sqlite
    .prepare(
      `SELECT d.channel, d.state, d.attempts, d.last_error AS error FROM deliveries d
         JOIN people p ON p.id = d.person_id WHERE p.slack_user_id = ? ORDER BY d.id`,
    )
    .all(person);

describe('SlackDirectMessenger', () => {
  it('posts into the DM by user id, never opening a conversation (a Tier 3 call per person)', async () => {
    await run('URITA', 'new Outage');
    await run('URITA', 'subscribe 1 <@UGUS>');
    await run('URITA', 'notify 1 first');
    await run('URITA', 'notify 1 second');
    await eventually(() => expect(h.slack.dms()).toHaveLength(3));
    expect(h.slack.callsOf('conversations.open')).toHaveLength(0);
    expect(h.slack.callsOf('chat.postMessage').map((c) => c.args.channel)).toEqual([
      'UGUS',
      'UGUS',
      'UGUS',
    ]);
  });

  it('a 429 is retried after Retry-After by the engine, not by the SDK', async () => {
    h.slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    await run('URITA', 'new Outage');
    await run('URITA', 'subscribe 1 <@UGUS>');
    await eventually(() =>
      expect(delivery('UGUS')).toEqual([
        { channel: 'slack', state: 'sent', attempts: 2, error: null },
      ]),
    );
    // One rejected call and one successful one: the SDK did not retry on its own.
    expect(h.slack.callsOf('chat.postMessage')).toHaveLength(2);
  });

  it('a deactivated user falls back to email and marks the person unreachable on Slack', async () => {
    h.slack.failDmsTo('UANN', { error: 'user_disabled' });
    await run('URITA', 'new Outage');
    await run('URITA', 'subscribe 1 <@UANN>');
    await eventually(() => expect(h.email.log()).toEqual(['ann@corp.example:subscribed']));
    // The relay has the mail before Herald has read its 250 and recorded the delivery sent.
    await eventually(() =>
      expect(delivery('UANN')).toEqual([
        { channel: 'slack', state: 'failed', attempts: 1, error: 'slack: user_disabled' },
        { channel: 'email', state: 'sent', attempts: 1, error: null },
      ]),
    );
    expect((await h.herald.ctx.store.people.bySlackUserId('UANN'))?.slackReachable).toBe(false);
    // The next event goes straight to email.
    await run('URITA', 'notify 1 update');
    await eventually(() =>
      expect(h.email.log()).toEqual(['ann@corp.example:subscribed', 'ann@corp.example:update']),
    );
    expect(
      h.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'UANN'),
    ).toHaveLength(1);
    expect(await run('URITA', 'stakeholders 1')).toContain(
      'Ann &lt;ann@corp.example&gt; — via direct — email sent, Slack failed (slack: user_disabled)',
    );
  });

  it.each([
    [
      { code: 'slack_webapi_rate_limited_error', retryAfter: 30 },
      'transient',
      { retryAfterMs: 30_000 },
    ],
    [
      { code: 'slack_webapi_platform_error', data: { error: 'user_not_found' } },
      'permanent',
      { unreachable: true },
    ],
    [{ code: 'slack_webapi_platform_error', data: { error: 'invalid_auth' } }, 'permanent', {}],
    // The bot token's owner is deactivated: nothing to say about the recipient.
    [{ code: 'slack_webapi_platform_error', data: { error: 'account_inactive' } }, 'permanent', {}],
    [{ code: 'slack_webapi_platform_error', data: { error: 'internal_error' } }, 'transient', {}],
    [{ code: 'slack_webapi_http_error', statusCode: 503 }, 'transient', {}],
    [{ code: 'slack_webapi_request_error', message: 'socket hang up' }, 'transient', {}],
  ])('classifies %o as %s', (err, kind, options) => {
    const classified = classifySlackError(err);
    expect(classified.kind).toBe(kind);
    expect(classified.options).toEqual(options);
  });
});
