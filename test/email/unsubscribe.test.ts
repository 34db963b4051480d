import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmailDoor } from '../../adapters/email/index.js';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { createStakeholderTeam } from '../../src/actions/manage-stakeholder-teams.js';
import { postStatusUpdate } from '../../src/actions/post-status-update.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { startHerald } from '../../src/main.js';
import { signUnsubscribeToken } from '../../src/unsubscribe-token.js';
import type { Target } from '../../src/domain/targets.js';
import type { Person } from '../../src/domain/types.js';
import { eventually } from '../support/eventually.js';
import { sqliteOf } from '../support/outbox-fixture.js';
import { startEmailHerald, unsubscribeUrl, type EmailHarness } from './email-harness.js';

let h: EmailHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const person = (p: Person): Target => ({ kind: 'person', personId: p.id });

const ONE_CLICK = {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: 'List-Unsubscribe=One-Click',
} as const;

/**
 * Ann is subscribed directly and through team:exec; Bob only through the team. Both get the
 * "subscribed" mail; returns Ann's.
 */
async function twoStakeholders(harness: EmailHarness) {
  const { ctx } = harness.herald;
  const admin = await harness.person('Ada Admin', 'ada@corp.example', 'admin');
  const ann = await harness.person('Ann', 'ann@corp.example');
  const bob = await harness.person('Bob', 'bob@corp.example');
  const exec = await createStakeholderTeam(ctx, admin, {
    name: 'exec',
    members: [person(ann), person(bob)],
  });
  const { incident } = await declareIncident(ctx, admin, {
    title: 'Checkout <b>errors</b>',
    source: 'slack',
  });
  await subscribeToIncident(ctx, admin, {
    incidentId: incident.id,
    targets: [person(ann), { kind: 'team', name: exec.name }],
  });
  await harness.smtp.waitFor(2);
  const [annMail] = harness.smtp.to('ann@corp.example');
  return { admin, ann, bob, incident, annMail: annMail!.parsed };
}

/** Everything an unsubscribe may change. */
function subscriptionTables(harness: EmailHarness) {
  const db = sqliteOf(harness.herald.db);
  return {
    subscriptions: db.prepare('SELECT * FROM subscriptions ORDER BY id').all(),
    optOuts: db.prepare('SELECT * FROM opt_outs ORDER BY incident_id, person_id').all(),
  };
}

describe('email: one-click unsubscribe over HTTP', () => {
  it('GET confirms without changing anything; POST unsubscribes that person only, idempotently', async () => {
    h = await startEmailHerald();
    const { ctx } = h.herald;
    const { admin, incident, annMail } = await twoStakeholders(h);
    const url = unsubscribeUrl(annMail);
    const before = subscriptionTables(h);

    const confirm = await h.request(url);
    expect(confirm.status).toBe(200);
    expect(confirm.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(confirm.headers.get('referrer-policy')).toBe('no-referrer');
    const form = await confirm.text();
    expect(form).toMatch(/<form method="post" action="\?token=[A-Za-z0-9_-]+">/);
    expect(form).toContain(`#${incident.id} Checkout &lt;b&gt;errors&lt;/b&gt;`);
    expect(form).not.toContain('<b>errors');
    expect(subscriptionTables(h)).toEqual(before);

    const done = await h.request(url, ONE_CLICK);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('You are unsubscribed from incident');
    expect(subscriptionTables(h)).not.toEqual(before);

    // Ann opted out, even though team:exec still covers her; Bob still hears about it.
    const mailsBefore = h.smtp.messages.length;
    await postStatusUpdate(ctx, admin, {
      incidentId: incident.id,
      text: 'Fix deployed',
      notifyStakeholders: true,
    });
    await h.smtp.waitFor(mailsBefore + 1);
    await eventually(() =>
      expect(h!.deliveries().map((d) => [d.person, d.kind, d.state])).toEqual([
        ['Ann', 'subscribed', 'sent'],
        ['Bob', 'subscribed', 'sent'],
        ['Bob', 'update', 'sent'],
      ]),
    );
    expect(h.smtp.to('ann@corp.example').map((m) => m.parsed.subject)).toEqual([
      `[SEV3] #${incident.id} Checkout <b>errors</b>`,
    ]);
    expect(h.smtp.to('bob@corp.example').map((m) => m.parsed.subject)).toEqual([
      `[SEV3] #${incident.id} Checkout <b>errors</b>`,
      `[Update] #${incident.id} Checkout <b>errors</b>`,
    ]);

    // A second click (or a provider retrying the POST) gets the same answer and changes nothing.
    const after = subscriptionTables(h);
    const again = await h.request(url, ONE_CLICK);
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('You are unsubscribed from incident');
    expect(subscriptionTables(h)).toEqual(after);
  });

  it('the confirmation button posts to the same link and unsubscribes', async () => {
    h = await startEmailHerald();
    const { ann, incident, annMail } = await twoStakeholders(h);
    const url = new URL(unsubscribeUrl(annMail));
    const form = await (await h.request(url.href)).text();
    const action = /action="([^"]+)"/.exec(form)![1]!.replaceAll('&amp;', '&');
    const fields = [...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]+)">/g)];
    const body = new URLSearchParams(fields.map((m): [string, string] => [m[1]!, m[2]!]));
    const res = await h.request(new URL(action, url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
    expect(res.status).toBe(200);
    expect(await h.herald.ctx.store.subscriptions.isRecipient(incident.id, ann.id)).toBe(false);
  });

  it('a tampered, foreign or missing token gets a 400 page and changes nothing', async () => {
    h = await startEmailHerald();
    const { ann, incident, annMail } = await twoStakeholders(h);
    const url = new URL(unsubscribeUrl(annMail));
    const token = url.searchParams.get('token')!;
    const flip = (s: string, i: number) =>
      `${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
    const bad = [
      flip(token, 3), // the ids
      flip(token, token.length - 2), // the MAC
      signUnsubscribeToken('some-other-installations-secret', {
        personId: ann.id,
        incidentId: incident.id,
      }),
      'not-a-token',
      '',
    ];
    const before = subscriptionTables(h);
    for (const candidate of bad) {
      url.searchParams.set('token', candidate);
      for (const init of [undefined, ONE_CLICK]) {
        const res = await h.request(url.href, init);
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expect(await res.text()).toContain('This unsubscribe link is not valid.');
      }
    }
    url.searchParams.delete('token');
    expect((await h.request(url.href, ONE_CLICK)).status).toBe(400);
    expect(subscriptionTables(h)).toEqual(before);
    expect(await h.herald.ctx.store.subscriptions.isRecipient(incident.id, ann.id)).toBe(true);
  });

  it('refuses an oversized body', async () => {
    h = await startEmailHerald();
    const { annMail } = await twoStakeholders(h);
    const before = subscriptionTables(h);
    const res = await h.request(unsubscribeUrl(annMail), {
      ...ONE_CLICK,
      body: `List-Unsubscribe=One-Click&pad=${'x'.repeat(8_000)}`,
    });
    expect(res.status).toBe(413);
    expect(subscriptionTables(h)).toEqual(before);
  });

  it('keeps the unsubscribe routes when SMTP is off: old links must still work', async () => {
    h = await startEmailHerald();
    const { ann, incident, annMail } = await twoStakeholders(h);
    const url = unsubscribeUrl(annMail);
    // Same database, same secret, no SMTP_URL: only the door's routes remain.
    const path = sqliteOf(h.herald.db).name;
    await h.herald.stop();
    const again = await startHerald(
      loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_PATH: path }),
      { doors: [createEmailDoor], logger: silentLogger },
    );
    try {
      const port = (again.server.address() as AddressInfo).port;
      const link = new URL(url);
      const res = await fetch(`http://127.0.0.1:${port}${link.pathname}${link.search}`, ONE_CLICK);
      expect(res.status).toBe(200);
      expect(await again.ctx.store.subscriptions.isRecipient(incident.id, ann.id)).toBe(false);
    } finally {
      await again.stop();
    }
  });
});
