import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { postStatusUpdate } from '../../src/actions/post-status-update.js';
import { resolveIncident } from '../../src/actions/resolve-incident.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import type { Incident, Person } from '../../src/domain/types.js';
import { eventually } from '../support/eventually.js';
import {
  all,
  form,
  h1,
  incidentLinks,
  mainText,
  textOf,
  startWebHerald,
  type WebHarness,
} from './harness.js';

let h: WebHarness;
let rita: Person;
let ann: Person;
let incident: Incident;

/** The "View incident" link of the newest mail to `address`, as Herald sent it. */
async function linkFromMail(address: string, count = 1): Promise<string> {
  const mails = await eventually(() => {
    const m = h.smtp.to(address);
    if (m.length < count) throw new Error(`${m.length} mails to ${address}`);
    return m;
  });
  const text = mails[mails.length - 1]!.parsed.text ?? '';
  const match = /View incident: (\S+)/.exec(text);
  if (!match?.[1]) throw new Error('no View incident link in the mail');
  return match[1];
}

beforeEach(async () => {
  h = await startWebHerald();
  const { ctx } = h.herald;
  rita = await h.person('Rita Responder', 'rita@corp.example', 'responder');
  ann = await h.person('Ann Customer', 'ann@customer.example');
  incident = (
    await declareIncident(ctx, rita, {
      title: 'Checkout errors',
      summary: 'Some card payments fail; retrying works.',
      severity: 'SEV2',
      service: 'checkout',
      source: 'slack',
    })
  ).incident;
  await subscribeToIncident(ctx, rita, {
    incidentId: incident.id,
    targets: [{ kind: 'person', personId: ann.id }],
  });
});
afterEach(() => h.stop());

describe('the link in a mail', () => {
  it('opens a session (HttpOnly, SameSite=Lax, Secure) and lands on the incident, addressed by no number', async () => {
    const link = await linkFromMail('ann@customer.example');
    expect(link).toMatch(/^https:\/\/herald\.example\/my\/link\/[A-Za-z0-9_-]+$/);
    const browser = h.client();
    const opened = await browser.get(link);
    expect(opened.status).toBe(303);
    const cookie = opened.headers
      .getSetCookie()
      .find((c) => c.startsWith('__Host-herald_session='));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; Path=\//);
    expect(opened.location).toMatch(/^\/my\/incidents\/[A-Za-z0-9_-]{20,}$/);
    expect(opened.location).not.toMatch(new RegExp(`/${incident.id}$`));

    const page = await browser.get(opened.location!);
    expect(page.status).toBe(200);
    expect(h1(page)).toBe('Checkout errors');
    expect(mainText(page)).toContain(`Incident #${incident.id}`);
    expect(mainText(page)).toContain('Some card payments fail; retrying works.');
  });
});

describe('the incident page', () => {
  it('shows the stakeholder updates with their times and the resolution, never an internal update or another follower', async () => {
    const { ctx } = h.herald;
    const bob = await h.person('Bob Other', 'bob@customer.example');
    await subscribeToIncident(ctx, rita, {
      incidentId: incident.id,
      targets: [{ kind: 'person', personId: bob.id }],
    });
    await postStatusUpdate(ctx, rita, {
      incidentId: incident.id,
      text: 'internal: failing over the primary database',
      notifyStakeholders: false,
    });
    await postStatusUpdate(ctx, rita, {
      incidentId: incident.id,
      text: 'We found the cause and are rolling out a fix.',
      notifyStakeholders: true,
    });
    await resolveIncident(ctx, rita, { incidentId: incident.id, note: 'Fixed by the rollback.' });
    const browser = h.client();
    const page = await browser.open(await linkFromMail('ann@customer.example'));
    const text = mainText(page);
    expect(text).toContain('We found the cause and are rolling out a fix.');
    expect(text).toContain('Fixed by the rollback.');
    expect(text).toContain('Resolved');
    expect(text).toContain('SEV2');
    expect(text).toContain('checkout');
    expect(text).not.toContain('failing over');
    expect(page.html).not.toContain('failing over');
    for (const hidden of ['Bob', 'bob@', 'Rita', 'rita@']) expect(page.html).not.toContain(hidden);
    // Times as machine-readable UTC, shown in the reader's zone (UTC until they choose).
    const times = all(page, 'time');
    expect(times.length).toBeGreaterThanOrEqual(3);
    for (const t of times) {
      expect(t.attribs.datetime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(textOf(t)).toMatch(/UTC$/);
    }
    // One list item per stakeholder update, in an ordered list.
    const items = all(page, 'li').filter(
      (li) => li.parent && (li.parent as { name?: string }).name === 'ol',
    );
    expect(items.map(textOf)).toEqual([expect.stringContaining('We found the cause')]);
  });

  it('is plain HTML under a strict CSP: no script, no inline style, no frames', async () => {
    const browser = h.client();
    const page = await browser.open(await linkFromMail('ann@customer.example'));
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toMatch(/unsafe|script-src/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(all(page, 'script')).toEqual([]);
    expect(all(page, 'style')).toEqual([]);
    expect(page.html).not.toMatch(/\sstyle=/i);
    expect(page.html).not.toMatch(/\son[a-z]+=/i);
    // Landmarks for screen readers, a language, a viewport.
    expect(all(page, 'main')).toHaveLength(1);
    expect(all(page, 'nav')).toHaveLength(1);
    expect(all(page, 'html')[0]!.attribs.lang).toBe('en');
    expect(page.html).toContain('name="viewport"');
    // The stylesheet it links is served from this origin.
    const href = all(page, 'link').find((l) => l.attribs.rel === 'stylesheet')!.attribs.href!;
    const css = await fetch(`${h.base}${href}`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('shows user text as text: no markup, no link', async () => {
    const { ctx } = h.herald;
    await postStatusUpdate(ctx, rita, {
      incidentId: incident.id,
      text: '<script>alert(1)</script> <a href="https://evil.example">click</a> <img src=x onerror=alert(2)>',
      notifyStakeholders: true,
    });
    const page = await h.client().open(await linkFromMail('ann@customer.example'));
    expect(all(page, 'script')).toEqual([]);
    expect(all(page, 'img')).toEqual([]);
    expect(all(page, 'a').map((a) => a.attribs.href)).not.toContain('https://evil.example');
    expect(mainText(page)).toContain(
      '<script>alert(1)</script> <a href="https://evil.example">click</a>',
    );
  });
});

describe('My incidents', () => {
  it('holds the open and recently resolved incidents the reader follows, and only those', async () => {
    const { ctx } = h.herald;
    const other = (await declareIncident(ctx, rita, { title: 'Not hers', source: 'slack' }))
      .incident;
    const bob = await h.person('Bob Other', 'bob@customer.example');
    await subscribeToIncident(ctx, rita, {
      incidentId: other.id,
      targets: [{ kind: 'person', personId: bob.id }],
    });
    const resolved = (await declareIncident(ctx, rita, { title: 'Done one', source: 'slack' }))
      .incident;
    await subscribeToIncident(ctx, rita, {
      incidentId: resolved.id,
      targets: [{ kind: 'person', personId: ann.id }],
    });
    await resolveIncident(ctx, rita, { incidentId: resolved.id });
    const browser = h.client();
    await browser.open(await linkFromMail('ann@customer.example'));
    const page = await browser.get('/my/incidents');
    expect(page.status).toBe(200);
    const text = mainText(page);
    expect(text).toContain('Checkout errors');
    expect(text).toContain('Done one');
    expect(text).not.toContain('Not hers');
    expect(incidentLinks(page)).toHaveLength(2);
    // Every link resolves for her; none is a bare number.
    for (const href of incidentLinks(page)) {
      expect(href).not.toMatch(/\/\d+$/);
      expect((await browser.get(href)).status).toBe(200);
    }
    // A session lasts a week; the link, 30 days. Fifteen days on, the resolved one is off the page.
    h.clock.skewMs = 15 * 24 * 60 * 60 * 1000;
    expect((await browser.get('/my/incidents')).status).toBe(401);
    await browser.open(await linkFromMail('ann@customer.example'));
    const later = mainText(await browser.get('/my/incidents'));
    expect(later).toContain('Checkout errors');
    expect(later).not.toContain('Done one');
  });
});

describe('How to reach me', () => {
  it('offers the channels, saves them through the same action as Slack and Teams, and refuses none or unknown ones', async () => {
    const browser = h.client();
    await browser.open(await linkFromMail('ann@customer.example'));
    const page = await browser.get('/my/reach');
    expect(page.status).toBe(200);
    const boxes = all(page, 'input').filter((i) => i.attribs.type === 'checkbox');
    expect(boxes.map((b) => b.attribs.value)).toEqual(['teams', 'email']);
    expect(boxes.find((b) => b.attribs.value === 'email')!.attribs.checked).toBeDefined();
    // Each checkbox is labelled; the group has a legend.
    for (const b of boxes) expect((b.parent as { name?: string }).name).toBe('label');
    expect(all(page, 'legend')).toHaveLength(1);

    await h.settled();
    const before = h.snapshot();
    const none = await browser.submit(page, '/my/reach', { use: 'chosen' });
    expect(none.status).toBe(400);
    expect(textOf(all(none, 'p').find((p) => p.attribs.role === 'alert')!)).toMatch(
      /Choose at least one channel/,
    );
    const unknown = await browser.submit(page, '/my/reach', {
      use: 'chosen',
      channel: ['email', 'fax'],
    });
    expect(unknown.status).toBe(400);
    expect(h.snapshot()).toBe(before);

    const saved = await browser.submit(page, '/my/reach', {
      use: 'chosen',
      channel: ['teams', 'email'],
    });
    expect(saved.status).toBe(200);
    expect(mainText(saved)).toContain('Saved.');
    expect((await h.herald.ctx.store.people.byId(ann.id))!.preferences).toEqual(['teams', 'email']);
    const [audit] = h.rows(
      `SELECT action, actor_id AS actorId FROM audit_log ORDER BY id DESC LIMIT 1`,
    );
    expect(audit).toEqual({ action: 'preferences.set', actorId: ann.id });

    const reset = await browser.submit(saved, '/my/reach', { use: 'default' });
    expect(mainText(reset)).toContain('the default');
    expect((await h.herald.ctx.store.people.byId(ann.id))!.preferences).toBeNull();
  });

  it('an email stakeholder who switches to Teams gets the next update on Teams and not by email', async () => {
    const { ctx } = h.herald;
    // Ann installs the Teams app later: Teams links her by email to the person Herald knows.
    const teams = h.teamsUser('Ann Customer', 'ann@customer.example');
    await h.teams(teams.install());
    const browser = h.client();
    await browser.open(await linkFromMail('ann@customer.example'));
    const reach = await browser.get('/my/reach');
    await browser.submit(reach, '/my/reach', { use: 'chosen', channel: 'teams' });
    await h.settled();
    const mailsBefore = h.smtp.to('ann@customer.example').length;
    await postStatusUpdate(ctx, rita, {
      incidentId: incident.id,
      text: 'Payments recovered in the EU.',
      notifyStakeholders: true,
    });
    const card = await eventually(() => {
      const c = h.fake
        .cardsIn(teams.conversationId)
        .find((x) => JSON.stringify(x).includes('Payments recovered'));
      if (!c) throw new Error('no card yet');
      return c;
    });
    expect(card).toBeDefined();
    await h.settled();
    expect(h.smtp.to('ann@customer.example')).toHaveLength(mailsBefore);
  });

  it('shows times in the zone the reader chooses, and refuses a zone it does not know', async () => {
    const browser = h.client();
    const link = await linkFromMail('ann@customer.example');
    const incidentPage = await browser.open(link);
    const reach = await browser.get('/my/reach');
    await h.settled();
    const before = h.snapshot();
    const bad = await browser.submit(reach, '/my/time-zone', { tz: 'Mars/Olympus' });
    expect(bad.status).toBe(400);
    expect(h.snapshot()).toBe(before);
    const saved = await browser.submit(reach, '/my/time-zone', { tz: 'Asia/Tokyo' });
    expect(mainText(saved)).toContain('Time zone saved.');
    const again = await browser.get(incidentLinks(await browser.get('/my/incidents'))[0]!);
    const [first] = all(again, 'time');
    expect(first!.attribs.datetime).toBe(all(incidentPage, 'time')[0]!.attribs.datetime);
    expect(textOf(first!)).toMatch(/GMT\+9$/);
    const when = new Date(first!.attribs.datetime!);
    const tokyoHour = (when.getUTCHours() + 9) % 24;
    expect(textOf(first!)).toContain(`${String(tokyoHour).padStart(2, '0')}:`);
  });

  it('unsubscribes from one incident', async () => {
    const browser = h.client();
    const page = await browser.open(await linkFromMail('ann@customer.example'));
    const action = all(page, 'form')
      .map((f) => f.attribs.action ?? '')
      .find((a) => a.startsWith('/my/unsubscribe/'))!;
    expect(form(page, action)).toBeDefined();
    const done = await browser.submit(page, action);
    expect(mainText(done)).toContain('no more messages about that incident');
    expect(await h.herald.ctx.store.subscriptions.isRecipient(incident.id, ann.id)).toBe(false);
    expect(incidentLinks(done)).toEqual([]);
    // Its page is gone for her, like any page not hers.
    expect((await browser.get(action.replace('/my/unsubscribe/', '/my/incidents/'))).status).toBe(
      404,
    );
  });

  it('stops everything: leaves every incident and ends every session of the person', async () => {
    const { ctx } = h.herald;
    const second = (await declareIncident(ctx, rita, { title: 'Second', source: 'slack' }))
      .incident;
    await subscribeToIncident(ctx, rita, {
      incidentId: second.id,
      targets: [{ kind: 'person', personId: ann.id }],
    });
    const link = await linkFromMail('ann@customer.example', 2);
    const phone = h.client();
    const laptop = h.client();
    await phone.open(link);
    await laptop.open(link);
    const reach = await phone.get('/my/reach');
    const stopped = await phone.submit(reach, '/my/stop');
    expect(stopped.status).toBe(200);
    expect(mainText(stopped)).toContain('you no longer get messages');
    expect(await ctx.store.incidents.listForPerson(ann.id, { limit: 10 })).toEqual([]);
    expect((await phone.get('/my/incidents')).status).toBe(401);
    expect((await laptop.get('/my/incidents')).status).toBe(401);
    // Her old link no longer opens anything: she follows nothing.
    expect((await h.client().get(link)).status).toBe(404);
  });

  it('logs out', async () => {
    const browser = h.client();
    const page = await browser.open(await linkFromMail('ann@customer.example'));
    const out = await browser.submit(page, '/my/logout');
    expect(mainText(out)).toContain('You are logged out.');
    expect((await browser.get('/my/incidents')).status).toBe(401);
  });
});
