import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { blockAction, viewSubmission } from '../support/slack-requests.js';
import { slackHarness, type SlackHarness } from './harness.js';

let h: SlackHarness;
beforeEach(async () => {
  h = await slackHarness();
});
afterEach(async () => {
  await h.close();
});

const FORM = 'application/x-www-form-urlencoded';
const WRITES = ['incidents', 'people', 'subscriptions', 'status_updates'];
const writes = () => WRITES.map((t) => h.count(t));

/**
 * The contract's error: the status, a JSON body that is exactly `{ error: { code, message } }`
 * (nothing else, so no stack or internal detail can ride along), and the message asked for.
 */
async function expectError(res: Response, status: number, code: string, message: RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type') ?? '(none)').toMatch(/^application\/json/);
  const body = (await res.json()) as any;
  expect(body).toEqual({ error: { code, message: expect.stringMatching(message) } });
  expect(body.error.message).not.toMatch(/Error|\bat \w|\.ts\b|\.js\b|undefined|null/);
}

const declareView = { callback_id: 'herald-declare', title: { type: 'plain_text', text: 'x' } };

describe('/slack/events answers every refusal with a clear 4xx and a JSON error (issue 12, item 5)', () => {
  it('401: a forged signature, missing signature headers, a stale timestamp', async () => {
    const { body } = h.requests.commandBody('URITA', '/incident', 'new Forged');
    const now = Math.floor(Date.now() / 1000);
    await expectError(
      await h.requests.post(body, FORM, {
        'x-slack-signature': `v0=${'0'.repeat(64)}`,
        'x-slack-request-timestamp': String(now),
      }),
      401,
      'UNAUTHORIZED',
      /^The request signature does not match\.$/,
    );
    await expectError(
      await fetch(`${h.base}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': FORM },
        body,
      }),
      401,
      'UNAUTHORIZED',
      /^Signed requests only/,
    );
    await expectError(
      await h.requests.post(body, FORM, {
        ...h.requests.sign(body),
        'x-slack-request-timestamp': 'soon',
      }),
      401,
      'UNAUTHORIZED',
      /timestamp/,
    );
    await expectError(
      await h.requests.post(body, FORM, h.requests.sign(body, now - 6 * 60)),
      401,
      'UNAUTHORIZED',
      /^The request timestamp is more than five minutes old\.$/,
    );
    expect(writes()).toEqual([0, 0, 0, 0]);
  });

  it('413: a body over 256 kB', async () => {
    const { body } = h.requests.commandBody('URITA', '/incident', `new ${'x'.repeat(400_000)}`);
    await expectError(
      await h.requests.post(body, FORM),
      413,
      'PAYLOAD_TOO_LARGE',
      /^The body is larger than 256 kB\.$/,
    );
    expect(writes()).toEqual([0, 0, 0, 0]);
  });

  it('a slash command without a text field answers with its help, like empty text', async () => {
    const help = await h.requests.command('URITA', '/incident', '');
    const bare = h.requests.commandBody('URITA', '/incident', null);
    expect(bare.body).not.toMatch(/(^|&)text=/);
    expect((await h.requests.postCommand(bare)).status).toBe(200);
    const replyTo = (id: string) =>
      eventually(() => {
        const r = h.slack.responses.find((x) => x.id === id);
        if (!r) throw new Error(`no reply to ${id}`);
        return String(r.body.text);
      });
    const expected = await replyTo(help.responseId);
    expect(expected).toMatch(/^Herald — incident commands:/);
    expect(await replyTo(bare.responseId)).toBe(expected);
  });

  it('400: a view_submission without a user changes nothing', async () => {
    const payload: Record<string, unknown> = viewSubmission('URITA', declareView, {
      title: { type: 'plain_text_input', value: 'No one declared this' },
    });
    delete payload.user;
    await expectError(
      await h.requests.interaction(payload),
      400,
      'INVALID_INPUT',
      /^The payload is not a Slack request Herald handles: user/,
    );
    expect(writes()).toEqual([0, 0, 0, 0]);
  });

  it('400 at once: an interactivity payload of a type Herald does not handle', async () => {
    // Bolt would wait three seconds for an ack no listener gives, then answer an empty 404.
    await expectError(
      await h.requests.interaction({ type: 'frobnicate', user: { id: 'URITA' } }),
      400,
      'UNSUPPORTED_PAYLOAD',
      /^Herald does not handle this kind of Slack request\.$/,
    );
    await expectError(
      await h.requests.post('{"type":"mystery"}', 'application/json'),
      400,
      'UNSUPPORTED_PAYLOAD',
      /^Herald does not handle this kind of Slack request\.$/,
    );
  });

  it('400 and 415: a body that is not what Slack sends', async () => {
    await expectError(
      await h.requests.post('payload=%7Bnot%20json', FORM),
      400,
      'INVALID_INPUT',
      /^The payload field is not JSON\.$/,
    );
    await expectError(
      await h.requests.post('{"type":', 'application/json'),
      400,
      'INVALID_INPUT',
      /^The body is not valid JSON\.$/,
    );
    await expectError(
      await h.requests.post('hello', 'text/plain'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      /application\/x-www-form-urlencoded/,
    );
    await expectError(
      await h.requests.post('user_id=URITA', FORM),
      400,
      'UNSUPPORTED_PAYLOAD',
      /^Herald does not handle this kind of Slack request\.$/,
    );
    expect(writes()).toEqual([0, 0, 0, 0]);
  });

  it('404 at once: a command, button or form Herald has no listener for', async () => {
    const notHandled = async (res: Response) =>
      expectError(res, 404, 'NOT_FOUND', /^Herald has no handler for this Slack request\.$/);
    // Unknown names, and names that only begin or end like Herald's: listeners match whole ids.
    for (const name of ['/frobnicate', '/incidents', '/stakeholder']) {
      await notHandled(
        await h.requests.post(h.requests.commandBody('URITA', name, 'list').body, FORM),
      );
    }
    for (const id of ['no-such-button', 'home-update2', 'xhome-update']) {
      await notHandled(
        await h.requests.interaction(
          blockAction('URITA', { action_id: id, type: 'button', value: '1' }),
        ),
      );
    }
    await notHandled(
      await h.requests.interaction(
        viewSubmission(
          'URITA',
          { callback_id: 'no-such-form', title: { type: 'plain_text', text: 'x' } },
          {},
        ),
      ),
    );
  });
});

describe("Slack's housekeeping requests are answered at the door", () => {
  it('url_verification gets its challenge; ssl_check, app_rate_limited an empty 200', async () => {
    const challenge = 'c-3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P';
    const verify = await h.requests.post(
      JSON.stringify({ token: 't', challenge, type: 'url_verification' }),
      'application/json',
    );
    expect(verify.status).toBe(200);
    expect(verify.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await verify.json()).toEqual({ challenge });

    const ssl = await h.requests.post('ssl_check=1&token=t', FORM);
    expect(ssl.status).toBe(200);
    expect(await ssl.text()).toBe('');

    const limited = await h.requests.post(
      JSON.stringify({
        token: 't',
        team_id: 'T1',
        minute_rate_limited: 1,
        type: 'app_rate_limited',
      }),
      'application/json',
    );
    expect(limited.status).toBe(200);
    expect(await limited.text()).toBe('');
    expect(writes()).toEqual([0, 0, 0, 0]);
  });

  it('a url_verification without its challenge is refused with a JSON error', async () => {
    await expectError(
      await h.requests.post(JSON.stringify({ type: 'url_verification' }), 'application/json'),
      400,
      'INVALID_INPUT',
      /challenge is missing or malformed/,
    );
  });
});
