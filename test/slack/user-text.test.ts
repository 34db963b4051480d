import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import {
  BIDI,
  HOSTILE_NAME,
  HOSTILE_TEXT,
  HOSTILE_TITLE,
  SHOWN_NAME,
  SHOWN_TEXT,
  SHOWN_TITLE,
} from '../support/hostile-text.js';
import { viewSubmission } from '../support/slack-requests.js';
import { slackHarness, type SlackHarness } from './harness.js';

/**
 * Issue 12, item 6 on Slack: text users typed is shown as typed — no bidi controls, and no
 * formatting (`*bold*`, `` `code` ``, `> quote`) — in DMs, ephemeral replies, App Home and modals.
 * In Block Kit that means user text only ever sits in `plain_text` objects (Slack shows them as is);
 * a reply's `text` is sent with `mrkdwn: false`.
 */
let h: SlackHarness;
beforeEach(async () => {
  h = await slackHarness();
  h.slack.addUser({ id: 'UEVE', name: HOSTILE_NAME, email: 'eve@corp.example' });
});
afterEach(async () => {
  await h.close();
});

/** Strips the invisible link breakers Herald adds, so text can be compared as a reader sees it. */
const seen = (s: string) => s.replace(/\u200B/g, '');

/** Every Block Kit text object in a payload, by type. */
function textObjects(payload: unknown): { plain: string[]; mrkdwn: string[] } {
  const found = { plain: [] as string[], mrkdwn: [] as string[] };
  JSON.stringify(payload, (_k, v: unknown) => {
    const t = v as { type?: string; text?: unknown } | null;
    if (t && typeof t.text === 'string') {
      if (t.type === 'plain_text') found.plain.push(seen(t.text));
      if (t.type === 'mrkdwn') found.mrkdwn.push(seen(t.text));
    }
    return v;
  });
  return found;
}

/** User text must be shown whole in plain_text, and no mrkdwn object may carry any of it. */
function expectLiteral(payload: unknown, ...shown: string[]): void {
  expect(JSON.stringify(payload)).not.toMatch(BIDI);
  const { plain, mrkdwn } = textObjects(payload);
  const all = plain.join('\n');
  for (const s of shown) expect(all).toContain(s);
  for (const m of mrkdwn) expect(m).not.toMatch(/bold|code|quote|boss|evil/);
}

async function reply(user: string, text: string): Promise<Record<string, unknown>> {
  const { responseId } = await h.requests.command(user, '/incident', text);
  return eventually(() => {
    const r = h.slack.responses.find((x) => x.id === responseId);
    if (!r) throw new Error(`no reply to /incident ${text}`);
    return r.body;
  });
}

/** An incident with hostile title and summary, as declared by UEVE through commands. */
async function hostileIncident(): Promise<void> {
  await reply('UEVE', `new ${HOSTILE_TITLE}`);
  await reply('UEVE', `summary 1 ${HOSTILE_TEXT}`);
  // Rows written before Herald stripped controls at input: each surface must strip them too.
  await h.herald.ctx.store.incidents.update(1, { title: HOSTILE_TITLE, summary: HOSTILE_TEXT });
}

describe('user text on Slack (issue 12, item 6)', () => {
  it('a stakeholder DM shows title, summary, update and author literally, without bidi controls', async () => {
    await hostileIncident();
    await reply('UEVE', 'subscribe 1 <@UGUS>');
    await reply('UEVE', `notify 1 ${HOSTILE_TEXT}`);
    const dm = await eventually(() => {
      const found = h.slack.dms().find((d) => d.to === 'UGUS' && d.text.includes('Status update'));
      if (!found) throw new Error('no update DM yet');
      return found;
    });
    expectLiteral(dm.blocks, `#1 ${SHOWN_TITLE}`, SHOWN_TEXT, SHOWN_NAME);
    expect(dm.text).not.toMatch(BIDI);
    expect(h.slack.problems).toEqual([]);
  });

  it('an ephemeral reply is plain text: formatting stays characters, bidi controls are gone', async () => {
    await hostileIncident();
    await reply('UEVE', `update 1 ${HOSTILE_TEXT}`);
    const shown = await reply('UEVE', 'show 1');
    expect(shown.response_type).toBe('ephemeral');
    expect(shown.mrkdwn).toBe(false);
    const text = seen(String(shown.text));
    expect(text).not.toMatch(BIDI);
    // Slack's own escaping of & < > stays: it is what keeps <!here> inert, and Slack decodes it.
    const decoded = text.replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&');
    expect(decoded).toContain(`#1 ${SHOWN_TITLE}`);
    expect(decoded).toContain(`Summary: ${SHOWN_TEXT}`);
  });

  it('App Home lists the incident literally, without bidi controls', async () => {
    await hostileIncident();
    await h.requests.event({
      type: 'app_home_opened',
      user: 'UEVE',
      channel: 'D1',
      tab: 'home',
      event_ts: '1',
    });
    const home = await eventually(() => {
      const call = h.slack.callsOf('views.publish').find((c) => c.args.user_id === 'UEVE');
      if (!call) throw new Error('not published yet');
      return call.args.view;
    });
    expectLiteral(home, `#1 ${SHOWN_TITLE}`, SHOWN_TEXT);
    expect(h.slack.problems).toEqual([]);
  });

  it("a modal's context and its done view show user text literally", async () => {
    await hostileIncident();
    const { triggerId } = await h.requests.command('UEVE', '/incident', 'update 1');
    const view = await eventually(() => {
      const call = h.slack.callsOf('views.open').find((c) => c.args.trigger_id === triggerId);
      if (!call) throw new Error('no modal');
      return call.args.view as Record<string, any>;
    });
    expectLiteral(view.blocks, `#1 ${SHOWN_TITLE}`);
    const res = await h.requests.interaction(
      viewSubmission('UEVE', view, {
        text: { type: 'plain_text_input', value: HOSTILE_TEXT },
        notify: { type: 'checkboxes', selected_options: [] },
      }),
    );
    const ack = JSON.parse(await res.text()) as { view: { blocks: unknown[] } };
    expect(JSON.stringify(ack.view)).not.toMatch(BIDI);
    const { plain, mrkdwn } = textObjects(ack.view.blocks);
    expect(plain.join('\n')).toMatch(/^Internal update added to #1/);
    expect(mrkdwn).toEqual([]);
    expect(h.slack.problems).toEqual([]);
  });
});
