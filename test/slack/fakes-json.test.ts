import { afterEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../bench/emulators/ledger.js';
import { SlackEmulator } from '../../bench/emulators/slack.js';
import { FakeSlack } from '../support/fake-slack.js';
import { specsAvailable } from '../support/specs.js';

// The test fake and the bench's emulator hold a JSON `chat.postMessage` to Slack's JSON rules, as
// strictly as a form: the token only as a bearer header, charset declared, JSON types, a body that
// parses, and the same Block Kit checks.

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const good = { channel: 'U1', text: 'hi', mrkdwn: false, blocks: [{ type: 'divider' }] };

async function post(
  apiUrl: string,
  body: string,
  headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    authorization: 'Bearer xoxb-test',
  },
) {
  const res = await fetch(`${apiUrl}chat.postMessage`, { method: 'POST', headers, body });
  return (await res.json()) as { ok: boolean; error?: string; warning?: string };
}

describe('the fake Slack, given JSON', () => {
  async function fake() {
    const slack = await new FakeSlack({ tiers: { 'chat.postMessage': null } }).start();
    stops.push(() => slack.stop());
    return slack;
  }

  it('takes a well-formed call without a problem', async () => {
    const slack = await fake();
    expect(await post(slack.apiUrl, JSON.stringify(good))).toMatchObject({ ok: true });
    expect(slack.problems).toEqual([]);
    expect(slack.dms()).toEqual([{ to: 'U1', text: 'hi', blocks: good.blocks }]);
  });

  it('refuses a JSON body without a bearer header (a token in the body does not count)', async () => {
    const slack = await fake();
    const body = JSON.stringify({ ...good, token: 'xoxb-test' });
    const answer = await post(slack.apiUrl, body, {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(answer).toEqual({ ok: false, error: 'not_authed' });
    expect(slack.problems).toEqual(['chat.postMessage: JSON without a bearer token']);
  });

  it('answers invalid_json to a body that does not parse', async () => {
    const slack = await fake();
    expect(await post(slack.apiUrl, '{"channel":"U1",')).toEqual({
      ok: false,
      error: 'invalid_json',
    });
    expect(slack.problems).toEqual(['chat.postMessage: body is not a JSON object']);
  });

  it('objects to JSON without charset=utf-8', async () => {
    const slack = await fake();
    const answer = await post(slack.apiUrl, JSON.stringify(good), {
      'content-type': 'application/json',
      authorization: 'Bearer xoxb-test',
    });
    expect(answer.ok).toBe(true);
    expect(slack.problems).toEqual([
      'chat.postMessage: JSON without charset=utf-8 (Slack warns missing_charset)',
    ]);
  });

  it.runIf(specsAvailable)(
    'checks JSON types and required arguments against the spec',
    async () => {
      const slack = await fake();
      await post(slack.apiUrl, JSON.stringify({ ...good, mrkdwn: 'false', unfurl_links: 0 }));
      await post(slack.apiUrl, JSON.stringify({ text: 'no channel' }));
      expect(slack.problems).toEqual([
        'chat.postMessage: mrkdwn should be a boolean, not a string',
        'chat.postMessage: unfurl_links should be a boolean, not a number',
        'chat.postMessage: missing required channel',
      ]);
    },
  );

  it('applies the Block Kit checks to JSON blocks', async () => {
    const slack = await fake();
    await post(
      slack.apiUrl,
      JSON.stringify({
        ...good,
        blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'x' } }],
      }),
    );
    await post(slack.apiUrl, JSON.stringify({ channel: 'U1', blocks: good.blocks }));
    expect(slack.problems).toEqual([
      'chat.postMessage.blocks[0]: header text must be plain_text',
      'chat.postMessage: blocks without a text fallback',
    ]);
  });
});

describe('the bench Slack emulator, given JSON', () => {
  async function emulator() {
    const ledger = new Ledger();
    const slack = await new SlackEmulator(ledger, { postMessagePerSecond: 1000 }).start();
    stops.push(() => slack.stop());
    return { ledger, slack };
  }
  const dm = JSON.stringify({ channel: 'U1', text: '[SEV2] #1 Checkout is failing' });

  it('delivers a well-formed call', async () => {
    const { ledger, slack } = await emulator();
    expect(await post(slack.apiUrl, dm)).toMatchObject({ ok: true, channel: 'DU1' });
    expect(ledger.arrivals).toHaveLength(1);
    expect(slack.objections).toEqual({});
  });

  it('refuses what Slack refuses, and notes what it warns about', async () => {
    const { ledger, slack } = await emulator();
    const noBearer = { 'content-type': 'application/json; charset=utf-8' };
    expect(await post(slack.apiUrl, dm, noBearer)).toEqual({ ok: false, error: 'not_authed' });
    expect(await post(slack.apiUrl, '{"channel":')).toEqual({ ok: false, error: 'invalid_json' });
    const noCharset = { 'content-type': 'application/json', authorization: 'Bearer xoxb-bench' };
    expect(await post(slack.apiUrl, dm, noCharset)).toMatchObject({
      ok: true,
      warning: 'missing_charset',
    });
    expect(slack.objections).toEqual({ not_authed: 1, invalid_json: 1, missing_charset: 1 });
    expect(ledger.arrivals).toHaveLength(1);
  });
});
