/**
 * The "View incident" link in every stakeholder message — email, Slack DM, Teams card — sent by
 * the real messengers to the real SMTP server, the fake Slack Web API and the fake connector
 * (which check Block Kit and the Adaptive Card schema), and none in a reminder.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DomUtils, parseDocument } from 'htmlparser2';
import { renderEmail } from '../../adapters/email/render-email.js';
import { notificationBlocks } from '../../adapters/slack/views/message.js';
import { notificationMessage } from '../../adapters/teams/notification-message.js';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { postStatusUpdate } from '../../src/actions/post-status-update.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import type { EventPayload } from '../../src/domain/types.js';
import { messageLink, verifyIncidentLink } from '../../src/stakeholder-link.js';
import { eventually } from '../support/eventually.js';
import { slackHarness, type SlackHarness } from '../slack/harness.js';
import { h1, SECRET, startWebHerald, type WebHarness } from './harness.js';

let web: WebHarness | undefined;
let slack: SlackHarness | undefined;
afterEach(async () => {
  await web?.stop();
  await slack?.close();
  web = undefined;
  slack = undefined;
});

const payload = (kind: EventPayload['kind']): EventPayload => ({
  kind,
  incident: {
    id: 7,
    title: 'Login broken',
    summary: 'Sign-in fails',
    severity: 'SEV2',
    service: 'auth',
    status: 'open',
  },
  text: kind === 'update' ? 'Rolling back' : null,
  at: Date.UTC(2026, 10, 26, 9, 5),
  by: 'Rita',
});

describe('the View incident link', () => {
  it('is in both parts of a mail, opens its reader’s page, and is absent from a reminder', async () => {
    web = await startWebHerald();
    const rita = await web.person('Rita', 'rita@corp.example', 'responder');
    const ann = await web.person('Ann', 'ann@customer.example');
    const { incident } = await declareIncident(web.herald.ctx, rita, {
      title: 'Login broken',
      source: 'slack',
    });
    await subscribeToIncident(web.herald.ctx, rita, {
      incidentId: incident.id,
      targets: [{ kind: 'person', personId: ann.id }],
    });
    const [mail] = await web.smtp.waitFor(1);
    const text = mail!.parsed.text ?? '';
    const url = /View incident: (https:\/\/herald\.example\/my\/link\/[A-Za-z0-9_-]+)\n/.exec(
      text,
    )?.[1];
    expect(url).toBeDefined();
    const doc = parseDocument(String(mail!.parsed.html));
    const anchors = DomUtils.findAll((e) => e.name === 'a', doc.children);
    const view = anchors.find((a) => DomUtils.textContent(a).trim() === 'View incident');
    expect(view?.attribs.href).toBe(url);
    expect(verifyIncidentLink(SECRET, url!.split('/').pop(), Date.now())).toEqual({
      personId: ann.id,
      incidentId: incident.id,
    });
    expect(h1(await web.client().open(url!))).toBe('Login broken');

    const linker = () => 'https://herald.example/my/link/x';
    expect(renderEmail(payload('reminder'), null, null).text).not.toContain('View incident');
    expect(
      messageLink(linker, { person: { id: 1 }, event: { incidentId: 7, kind: 'reminder' } }),
    ).toBeNull();
    expect(
      messageLink(linker, { person: { id: 1 }, event: { incidentId: 7, kind: 'update' } }),
    ).toBe('https://herald.example/my/link/x');
  });

  it('is a Block Kit link in a Slack DM, the only mrkdwn in it', async () => {
    slack = await slackHarness();
    const { ctx } = slack.herald;
    const rita = await ctx.store.people.create(
      { displayName: 'Rita', slackUserId: 'URITA', role: 'responder' },
      Date.now(),
    );
    const gus = await ctx.store.people.create(
      { displayName: 'Gus', slackUserId: 'UGUS', email: 'gus@partner.example' },
      Date.now(),
    );
    const { incident } = await declareIncident(ctx, rita, {
      title: 'Login broken',
      source: 'slack',
    });
    await subscribeToIncident(ctx, rita, {
      incidentId: incident.id,
      targets: [{ kind: 'person', personId: gus.id }],
    });
    const [dm] = await eventually(() => {
      const dms = slack!.slack.dms();
      if (dms.length < 1) throw new Error('no DM yet');
      return dms;
    });
    const mrkdwn: string[] = [];
    JSON.stringify(dm!.blocks, (_k, v: unknown) => {
      const t = v as { type?: string; text?: unknown } | null;
      if (t?.type === 'mrkdwn' && typeof t.text === 'string') mrkdwn.push(t.text);
      return v;
    });
    expect(mrkdwn).toHaveLength(1);
    const match = /^\*<(http:\/\/localhost:0\/my\/link\/([A-Za-z0-9_-]+))\|View incident>\*$/.exec(
      mrkdwn[0]!,
    );
    expect(match).not.toBeNull();
    const secret = (await ctx.store.settings.get('herald_secret'))!;
    expect(verifyIncidentLink(secret, match![2], Date.now())).toEqual({
      personId: gus.id,
      incidentId: incident.id,
    });
    // Without a link, no mrkdwn at all (user text stays plain_text).
    expect(JSON.stringify(notificationBlocks(payload('update')))).not.toContain('mrkdwn');
  });

  it('is an Action.OpenUrl on the Teams card, valid against the Adaptive Card schema', async () => {
    web = await startWebHerald();
    const ann = web.teamsUser('Ann Teams', 'ann@customer.example');
    await web.teams(ann.install());
    const person = (await web.herald.ctx.store.people.byEmail('ann@customer.example'))!;
    const rita = await web.person('Rita', 'rita@corp.example', 'responder');
    const { incident } = await declareIncident(web.herald.ctx, rita, {
      title: 'Login broken',
      source: 'slack',
    });
    await subscribeToIncident(web.herald.ctx, rita, {
      incidentId: incident.id,
      targets: [{ kind: 'person', personId: person.id }],
    });
    await postStatusUpdate(web.herald.ctx, rita, {
      incidentId: incident.id,
      text: 'Rolling back',
      notifyStakeholders: true,
    });
    const cards = await eventually(() => {
      const c = web!.fake.cardsIn(ann.conversationId).filter((x) => x.actions);
      if (c.length < 2) throw new Error(`${c.length} cards`);
      return c;
    });
    expect(web.fake.cardErrors).toEqual([]);
    for (const card of cards) {
      const [action] = card.actions as Array<{ type: string; title: string; url: string }>;
      expect(action).toMatchObject({ type: 'Action.OpenUrl', title: 'View incident' });
      expect(action!.url).toMatch(/^https:\/\/herald\.example\/my\/link\//);
      const page = await web.client().open(action!.url);
      expect(h1(page)).toBe('Login broken');
    }
    expect(notificationMessage(payload('reminder')).attachments?.[0]).not.toHaveProperty(
      'content.actions',
    );
  });
});
