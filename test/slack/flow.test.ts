import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { ephemeralReply, slackHarness, type SlackHarness } from './harness.js';

let h: SlackHarness;
beforeEach(async () => {
  h = await slackHarness();
});
afterEach(async () => {
  await h.close();
});

/** Runs a slash command and returns the ephemeral reply Herald sent to its response_url. */
const command = (user: string, cmd: '/incident' | '/stakeholders', text: string) =>
  ephemeralReply(h, user, cmd, text);

/** DMs per Slack user, as kinds in order. */
const dmsTo = (user: string) => h.slack.dms().filter((d) => d.to === user);

describe('the responder flow over signed Slack requests', () => {
  it('declare, summary, subscribe (people, team, email), internal and flagged updates, resolve', async () => {
    expect(await command('URITA', '/incident', 'new Checkout errors for EU customers')).toMatch(
      /^Declared #1 Checkout errors for EU customers/,
    );
    expect(await command('URITA', '/incident', 'summary 1 EU customers cannot pay by card')).toBe(
      'Stakeholder summary of #1 set.',
    );
    expect(await command('UADA', '/stakeholders', 'team create exec Executives')).toMatch(
      /^Created team:exec/,
    );
    expect(
      await command('UADA', '/stakeholders', 'team add exec <@UANN|ann> cfo@corp.example'),
    ).toBe('Added 2 members to team:exec.');
    expect(
      await command(
        'URITA',
        '/incident',
        'subscribe #1 <@UGUS> team:exec <mailto:pr@partner.example|pr@partner.example>',
      ),
    ).toBe('Subscribed 4 people (2 via team:exec) to #1; notified 2 by Slack, 2 by email.');
    await eventually(() => expect(h.slack.dms()).toHaveLength(2));
    expect(await command('URITA', '/incident', 'update 1 Rolling back the deploy')).toBe(
      'Internal update added to #1 (stakeholders not notified).',
    );
    expect(
      await command(
        'URITA',
        '/incident',
        'notify 1 A fix is rolling out <!channel> <@URITA|rita> &lt;!here&gt;',
      ),
    ).toMatch(/^Update sent to stakeholders of #1/);
    await eventually(() => expect(h.slack.dms()).toHaveLength(4));
    expect(await command('URITA', '/incident', 'resolve 1 Rolled back')).toBe(
      'Resolved #1; notified 2 by Slack, 2 by email.',
    );
    await eventually(() => expect(h.slack.dms()).toHaveLength(6));
    expect(await command('URITA', '/incident', 'resolve 1')).toBe(
      'Incident #1 is already resolved.',
    );
    await eventually(() => expect(h.email.sent).toHaveLength(6));

    // Exactly one DM per person per event, in order, and none for the internal update.
    for (const user of ['UGUS', 'UANN']) {
      expect(dmsTo(user).map((d) => d.text.slice(0, d.text.indexOf(']') + 1))).toEqual([
        '[SEV3]',
        '[Status update]',
        '[Resolved]',
      ]);
    }
    expect(h.email.log()).toEqual([
      'cfo@corp.example:subscribed',
      'pr@partner.example:subscribed',
      'cfo@corp.example:update',
      'pr@partner.example:update',
      'cfo@corp.example:resolved',
      'pr@partner.example:resolved',
    ]);
    // The DM went into the app's DM with the user, with Block Kit and the facts.
    const update = dmsTo('UGUS')[1]!;
    expect(JSON.stringify(update.blocks)).toContain('EU customers cannot pay by card');
    // Typed mentions stay text: escaped, never a live <!channel> or <@U…>.
    // Slack's markup becomes plain words; what the user typed literally stays escaped text.
    expect(update.text).toContain('A fix is rolling out @channel @rita &lt;!here&gt;');
    expect(JSON.stringify(update.blocks)).not.toMatch(/<!channel>|<!here>|<@URITA/);
    expect(h.slack.problems).toEqual([]);
  });

  it('refuses a second resolve without a second notification', async () => {
    await command('URITA', '/incident', 'new Outage');
    await command('URITA', '/incident', 'subscribe 1 <@UGUS>');
    await command('URITA', '/incident', 'resolve 1');
    await eventually(() => expect(dmsTo('UGUS')).toHaveLength(2));
    expect(await command('UADA', '/incident', 'resolve 1 again')).toBe(
      'Incident #1 is already resolved.',
    );
    expect(h.count("notification_events WHERE kind = 'resolved'")).toBe(1);
  });
});

describe('bad requests change nothing', () => {
  it('a forged signature and a stale timestamp get 401', async () => {
    const body = new URLSearchParams({
      command: '/incident',
      text: 'new Forged',
      user_id: 'URITA',
      response_url: h.slack.responseUrl('x'),
      trigger_id: 't',
    }).toString();
    const forged = await h.requests.post(body, 'application/x-www-form-urlencoded', {
      'x-slack-signature': 'v0=' + '0'.repeat(64),
      'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)),
    });
    expect(forged.status).toBe(401);
    const stale = await h.requests.post(
      body,
      'application/x-www-form-urlencoded',
      h.requests.sign(body, Math.floor(Date.now() / 1000) - 6 * 60),
    );
    expect(stale.status).toBe(401);
    const unsigned = await fetch(`${h.base}/slack/events`, { method: 'POST', body });
    expect(unsigned.status).toBe(401);
    expect(h.count('incidents')).toBe(0);
    expect(h.count('people')).toBe(0);
  });

  it('a huge body is refused', async () => {
    const body = new URLSearchParams({
      command: '/incident',
      text: `new ${'x'.repeat(400_000)}`,
      user_id: 'URITA',
    }).toString();
    const res = await h.requests.post(body, 'application/x-www-form-urlencoded');
    expect(res.status).toBe(413);
    expect(h.count('incidents')).toBe(0);
  });

  it.each([
    'subscribe',
    'subscribe one <@UGUS>',
    'subscribe 1 @gus',
    'notify 1',
    'resolve #x',
    'frobnicate',
    'show',
  ])('/incident %s answers with usage and writes nothing', async (text) => {
    await command('URITA', '/incident', 'new Outage');
    const before = ['incidents', 'subscriptions', 'status_updates', 'deliveries'].map((t) =>
      h.count(t),
    );
    const reply = await command('URITA', '/incident', text);
    expect(reply).toMatch(/Usage|help/);
    expect(
      ['incidents', 'subscriptions', 'status_updates', 'deliveries'].map((t) => h.count(t)),
    ).toEqual(before);
  });

  it('a guest is a stakeholder: cannot declare, and an incident they do not follow reads as missing', async () => {
    expect(await command('UGUS', '/incident', 'new Mine now')).toBe(
      'You are not allowed to declare incidents.',
    );
    await command('URITA', '/incident', 'new Secret outage');
    await command('URITA', '/incident', 'new Public outage');
    await command('URITA', '/incident', 'subscribe 2 <@UGUS>');
    const hidden = await command('UGUS', '/incident', 'show 1');
    const missing = await command('UGUS', '/incident', 'show 99');
    expect(hidden).toBe('Incident #1 not found.');
    expect(hidden.replace('#1', '#N')).toBe(missing.replace('#99', '#N'));
    expect(await command('UGUS', '/incident', 'list')).toBe(
      'Your incidents:\n• #2 Public outage — SEV3 · open',
    );
    expect(await command('UGUS', '/incident', 'resolve 1')).toBe('Incident #1 not found.');
    expect(h.count('incidents')).toBe(2);
  });

  it('a bot is refused', async () => {
    expect(await command('UBOT', '/incident', 'new Bot outage')).toBe('Bots cannot use Herald.');
    expect(h.count('incidents')).toBe(0);
  });
});
