/**
 * The "must show", in a real browser: an email stakeholder follows the link from the mail
 * Herald sent (read from the SMTP server), sees the incident with its stakeholder updates and not
 * the internal one, sees "My incidents" holding only theirs, switches to Teams on "How to reach
 * me", and the next update reaches them on Teams (the fake connector) and not by email. Also: a
 * tampered link, a form without its CSRF token, the page at 360 px. Screenshots go to `docs/`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { postStatusUpdate } from '../../src/actions/post-status-update.js';
import { resolveIncident } from '../../src/actions/resolve-incident.js';
import { setPreferences } from '../../src/actions/set-preferences.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import type { Incident, Person } from '../../src/domain/types.js';
import { eventually } from '../support/eventually.js';
import { startWebHerald, type WebHarness } from '../web/harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));
/** Debian's Chromium, quiet and self-contained: no sandbox (containers), no network of its own. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A free loopback port, so `PUBLIC_URL` (the links in mails) can point at this very Herald. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

let h: WebHarness;
let profile: string;
let context: BrowserContext;
let rita: Person;
let ann: Person;
let checkout: Incident;
const cspViolations: string[] = [];

beforeAll(async () => {
  const port = await freePort();
  h = await startWebHerald({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
  const { ctx } = h.herald;
  rita = await h.person('Rita Responder', 'rita@corp.example', 'responder');
  ann = await h.person('Ann Customer', 'ann@customer.example');
  const bob = await h.person('Bob Elsewhere', 'bob@other.example');
  // Ann reads Herald by email (her choice); she also has the Teams app, linked by her address.
  await setPreferences(ctx, ann, { channels: ['email'] });
  await h.teams(h.teamsUser('Ann Customer', 'ann@customer.example').install());

  const declare = async (title: string, summary: string, service: string) =>
    (
      await declareIncident(ctx, rita, {
        title,
        summary,
        severity: 'SEV2',
        service,
        source: 'slack',
      })
    ).incident;
  const login = await declare('Slow sign-in', 'Sign-in took up to 20 s.', 'identity');
  await subscribeToIncident(ctx, rita, {
    incidentId: login.id,
    targets: [{ kind: 'person', personId: ann.id }],
  });
  await resolveIncident(ctx, rita, { incidentId: login.id, note: 'Cache warmed; back to normal.' });
  const warehouse = await declare('Warehouse sync delayed', 'Stock levels lag.', 'inventory');
  await subscribeToIncident(ctx, rita, {
    incidentId: warehouse.id,
    targets: [{ kind: 'person', personId: bob.id }],
  });
  checkout = await declare(
    'Checkout errors for EU customers',
    'Some card payments fail at checkout. Retrying usually works; no card is charged twice.',
    'checkout',
  );
  await subscribeToIncident(ctx, rita, {
    incidentId: checkout.id,
    targets: [{ kind: 'person', personId: ann.id }],
  });
  await postStatusUpdate(ctx, rita, {
    incidentId: checkout.id,
    text: 'internal: primary DB failover in eu-west-1, do not share',
    notifyStakeholders: false,
  });
  await postStatusUpdate(ctx, rita, {
    incidentId: checkout.id,
    text: 'We found the cause (a payment provider timeout) and are rolling out a fix.',
    notifyStakeholders: true,
  });
  await h.settled();

  profile = mkdtempSync(join(tmpdir(), 'herald-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 360, height: 760 },
    deviceScaleFactor: 1,
    timezoneId: 'Europe/Paris',
  });
  context.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) cspViolations.push(msg.text());
  });
}, 120_000);

afterAll(async () => {
  await context?.close();
  await h?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** The "View incident" link of the newest mail to `address` about `title`. */
async function linkFromMail(address: string, title: string): Promise<string> {
  return eventually(() => {
    const mail = h.smtp
      .to(address)
      .filter((m) => (m.parsed.subject ?? '').includes(title))
      .at(-1);
    const link = /View incident: (\S+)/.exec(mail?.parsed.text ?? '')?.[1];
    if (!link) throw new Error(`no mail about ${title} to ${address} yet`);
    return link;
  });
}

async function shoot(page: Page, name: string, width: number): Promise<void> {
  await page.setViewportSize({ width, height: width < 600 ? 760 : 900 });
  await page.screenshot({ path: join(DOCS, `${name}-${width}.png`), fullPage: true });
}

describe('the stakeholder page in Chromium', () => {
  it('from the mail to Teams: the incident, My incidents, How to reach me, the next update on Teams', async () => {
    const page = await context.newPage();
    const link = await linkFromMail('ann@customer.example', 'Checkout errors');
    await page.goto(link);

    // The incident: its updates for stakeholders, not the internal one; nobody else's name.
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Checkout errors for EU customers');
    const main = (await page.locator('main').innerText()).replace(/\s+/g, ' ');
    expect(main).toContain('We found the cause (a payment provider timeout)');
    expect(main).toContain('Some card payments fail at checkout.');
    expect(main).not.toContain('failover');
    expect(main).not.toContain('Rita');
    // The stylesheet loaded under the CSP; no script, nothing refused.
    expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe(
      'rgb(241, 242, 244)',
    );
    expect(await page.locator('script').count()).toBe(0);
    // Usable at 360 px: nothing wider than the screen.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    await shoot(page, 'stakeholder-incident', 360);
    await shoot(page, 'stakeholder-incident', 1280);
    await page.setViewportSize({ width: 360, height: 760 });

    // My incidents: hers, open and recently resolved, and only those.
    await page.getByRole('link', { name: 'My incidents' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('My incidents');
    const listed = await page.locator('main ul.incidents a').allInnerTexts();
    expect(listed.map((t) => t.replace(/^#\d+ /, ''))).toEqual([
      'Checkout errors for EU customers',
      'Slow sign-in',
    ]);
    expect(await page.locator('main').innerText()).not.toContain('Warehouse');
    await shoot(page, 'stakeholder-my-incidents', 360);

    // How to reach me: from email to Teams, through the same action as Slack and Teams.
    await page.getByRole('link', { name: 'How to reach me' }).click();
    const teams = page.getByRole('checkbox', { name: 'Microsoft Teams' });
    const email = page.getByRole('checkbox', { name: 'Email' });
    expect(await email.isChecked()).toBe(true);
    expect(await teams.isChecked()).toBe(false);
    await teams.check();
    await email.uncheck();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Saved.');
    expect(await page.getByRole('checkbox', { name: 'Microsoft Teams' }).isChecked()).toBe(true);
    expect((await h.herald.ctx.store.people.byId(ann.id))!.preferences).toEqual(['teams']);
    await shoot(page, 'stakeholder-reach', 360);

    // The next update reaches her on Teams, and not by email.
    await h.settled();
    const mails = h.smtp.to('ann@customer.example').length;
    await postStatusUpdate(h.herald.ctx, rita, {
      incidentId: checkout.id,
      text: 'The fix is live; payments are recovering.',
      notifyStakeholders: true,
    });
    const annTeams = (await h.herald.ctx.store.people.byId(ann.id))!;
    const conversation = JSON.parse(annTeams.teamsConversationRef!) as {
      conversation: { id: string };
    };
    await eventually(() => {
      const cards = h.fake.cardsIn(conversation.conversation.id);
      if (!cards.some((c) => JSON.stringify(c).includes('The fix is live'))) {
        throw new Error('no Teams card yet');
      }
    });
    await h.settled();
    expect(h.smtp.to('ann@customer.example')).toHaveLength(mails);
    expect(h.fake.cardErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
    await page.close();
  });

  it('a tampered link shows "link not valid"; a form posted without its CSRF token changes nothing', async () => {
    const page = await context.newPage();
    const link = await linkFromMail('ann@customer.example', 'Checkout errors');
    const tampered = `${link.slice(0, -3)}${link.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    await page.goto(tampered);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'This link is not valid',
    );
    expect(await page.locator('main').innerText()).not.toContain('Checkout');
    await shoot(page, 'stakeholder-link-not-valid', 360);

    await page.goto(link);
    await page.getByRole('link', { name: 'How to reach me' }).click();
    const before = (await h.herald.ctx.store.people.byId(ann.id))!.preferences;
    // What a forged cross-site form would send: the fields without the token.
    await page.evaluate(
      'for (const input of document.querySelectorAll(\'input[name="csrf"]\')) input.remove()',
    );
    await page.getByRole('checkbox', { name: 'Email' }).check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('This form has expired');
    expect((await h.herald.ctx.store.people.byId(ann.id))!.preferences).toEqual(before);
    await page.close();
  });
});
