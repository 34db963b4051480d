import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import { incidentRef } from '../../adapters/web/incident-ref.js';
import type { Incident, Person } from '../../src/domain/types.js';
import { LINK_TTL_MS, signIncidentLink } from '../../src/stakeholder-link.js';
import { signUnsubscribeToken } from '../../src/unsubscribe-token.js';
import { eventually } from '../support/eventually.js';
import {
  all,
  h1,
  mainText,
  SECRET,
  startWebHerald,
  type PageClient,
  type WebHarness,
} from './harness.js';

let h: WebHarness;
let rita: Person;
let ann: Person;
let bob: Person;
let hers: Incident;
let his: Incident;

const link = (person: Person, incident: Incident, at = h.clock.now()) =>
  `/my/link/${signIncidentLink(SECRET, { personId: person.id, incidentId: incident.id }, at)}`;

/** A browser signed in as `person` through a genuine link to `incident`. */
async function signedIn(person: Person, incident: Incident): Promise<PageClient> {
  const browser = h.client();
  const page = await browser.open(link(person, incident));
  expect(page.status).toBe(200);
  return browser;
}

beforeEach(async () => {
  h = await startWebHerald();
  const { ctx } = h.herald;
  rita = await h.person('Rita Responder', 'rita@corp.example', 'responder');
  ann = await h.person('Ann Customer', 'ann@customer.example');
  bob = await h.person('Bob Other', 'bob@other.example');
  hers = (await declareIncident(ctx, rita, { title: 'Hers alone', source: 'slack' })).incident;
  his = (await declareIncident(ctx, rita, { title: 'His alone', source: 'slack' })).incident;
  await subscribeToIncident(ctx, rita, {
    incidentId: hers.id,
    targets: [{ kind: 'person', personId: ann.id }],
  });
  await subscribeToIncident(ctx, rita, {
    incidentId: his.id,
    targets: [{ kind: 'person', personId: bob.id }],
  });
  await h.settled();
});
afterEach(() => h.stop());

describe('a link that is not valid', () => {
  it('tampered, expired, someone else’s, another purpose or junk: one identical page, no data, no session', async () => {
    const genuine = signIncidentLink(SECRET, { personId: ann.id, incidentId: hers.id }, Date.now());
    const flipped = `${genuine.slice(0, 5)}${genuine[5] === 'A' ? 'B' : 'A'}${genuine.slice(6)}`;
    const cases: Record<string, string> = {
      tampered: `/my/link/${flipped}`,
      truncated: `/my/link/${genuine.slice(0, -2)}`,
      expired: link(ann, hers, Date.now() - LINK_TTL_MS - 60_000),
      'for someone who does not follow the incident': link(bob, hers),
      'signed with another key': `/my/link/${signIncidentLink('another-secret-0123456789', { personId: ann.id, incidentId: hers.id }, Date.now())}`,
      'an unsubscribe token': `/my/link/${signUnsubscribeToken(SECRET, { personId: ann.id, incidentId: hers.id })}`,
      'a bare number': `/my/link/${hers.id}`,
      junk: '/my/link/%3Cscript%3E',
      'no such person': `/my/link/${signIncidentLink(SECRET, { personId: 999, incidentId: hers.id }, Date.now())}`,
    };
    const answers = new Map<string, { status: number; html: string }>();
    for (const [name, path] of Object.entries(cases)) {
      const browser = h.client();
      const page = await browser.get(path);
      answers.set(name, { status: page.status, html: page.html });
      expect(browser.cookies.size, name).toBe(0);
      expect(page.html, name).not.toContain('Hers alone');
      expect(page.html, name).not.toContain('Ann');
      expect(h1(page), name).toBe('This link is not valid');
    }
    const [first] = answers.values();
    expect(first!.status).toBe(404);
    for (const [name, answer] of answers) expect(answer, name).toEqual(first);
    // Signed in as Ann, the same bad links read the same.
    const browser = await signedIn(ann, hers);
    for (const [name, path] of Object.entries(cases)) {
      const page = await browser.get(path);
      expect({ status: page.status, html: page.html }, name).toEqual(first);
    }
  });

  it('a page address that is not the reader’s reads exactly like a bad link', async () => {
    const bad = await h.client().get('/my/link/x');
    const annBrowser = await signedIn(ann, hers);
    const bobBrowser = await signedIn(bob, his);
    const bobsPage = (await bobBrowser.get(link(bob, his))).location!;
    expect((await bobBrowser.get(bobsPage)).status).toBe(200);
    const refs: Record<string, string> = {
      "another person's page": bobsPage,
      'a bare number': `/my/incidents/${his.id}`,
      'her own number': `/my/incidents/${hers.id}`,
      // Genuinely signed for her, but she does not follow it: the action says no as well.
      'a ref for an incident she does not follow': `/my/incidents/${incidentRef(SECRET, ann.id, his.id)}`,
      junk: '/my/incidents/..%2F..%2Fetc',
    };
    for (const [name, path] of Object.entries(refs)) {
      const page = await annBrowser.get(path);
      expect({ status: page.status, html: page.html }, name).toEqual({
        status: bad.status,
        html: bad.html,
      });
    }
    // Posting to someone else's ref changes nothing either.
    const before = h.snapshot();
    const reach = await annBrowser.get('/my/reach');
    const csrf = all(reach, 'input').find((i) => i.attribs.name === 'csrf')!.attribs.value!;
    const post = await annBrowser.post(bobsPage.replace('/my/incidents/', '/my/unsubscribe/'), {
      csrf,
    });
    expect(post.status).toBe(404);
    expect(h.snapshot()).toBe(before);
    expect(await h.herald.ctx.store.subscriptions.isRecipient(his.id, bob.id)).toBe(true);
  });

  it('without a session, every page asks for a link and every form changes nothing', async () => {
    const browser = h.client();
    const before = h.snapshot();
    for (const path of ['/my/incidents', '/my/reach']) {
      const page = await browser.get(path);
      expect(page.status, path).toBe(401);
      expect(mainText(page)).toContain('open the “View incident” link');
    }
    for (const path of ['/my/reach', '/my/time-zone', '/my/stop', '/my/logout']) {
      expect((await browser.post(path, { csrf: 'x', channel: 'email' })).status, path).toBe(401);
    }
    expect(h.snapshot()).toBe(before);
  });

  it('a session ends after a week', async () => {
    const browser = await signedIn(ann, hers);
    h.clock.skewMs = 7 * 24 * 60 * 60 * 1000 + 1000;
    expect((await browser.get('/my/incidents')).status).toBe(401);
  });
});

describe('CSRF', () => {
  it('a form posted without its token, or with another session’s, changes nothing', async () => {
    const annBrowser = await signedIn(ann, hers);
    const bobBrowser = await signedIn(bob, his);
    const annPage = (await annBrowser.get(link(ann, hers))).location!;
    const unsubscribe = annPage.replace('/my/incidents/', '/my/unsubscribe/');
    const bobsCsrf = all(await bobBrowser.get('/my/reach'), 'input').find(
      (i) => i.attribs.name === 'csrf',
    )!.attribs.value!;
    const forms: Array<[string, Record<string, string>]> = [
      ['/my/reach', { use: 'chosen', channel: 'email' }],
      ['/my/reach', { use: 'default' }],
      ['/my/time-zone', { tz: 'Asia/Tokyo' }],
      [unsubscribe, {}],
      ['/my/stop', {}],
      ['/my/logout', {}],
    ];
    const before = h.snapshot();
    for (const [path, fields] of forms) {
      for (const csrf of [undefined, '', bobsCsrf, 'x'.repeat(43)]) {
        const page = await annBrowser.post(path, csrf === undefined ? fields : { ...fields, csrf });
        expect(page.status, `${path} ${csrf}`).toBe(403);
        expect(h1(page)).toBe('This form has expired');
      }
    }
    expect(h.snapshot()).toBe(before);
    expect(annBrowser.cookies.has('__Host-herald_tz')).toBe(false);
    expect((await annBrowser.get('/my/incidents')).status).toBe(200);
  });

  it('every form on every page carries the token', async () => {
    const browser = await signedIn(ann, hers);
    const pages = [
      await browser.get((await browser.get(link(ann, hers))).location!),
      await browser.get('/my/incidents'),
      await browser.get('/my/reach'),
      await h.client().get('/my/new-link'),
    ];
    let count = 0;
    for (const page of pages) {
      for (const f of all(page, 'form')) {
        count += 1;
        expect(f.attribs.method).toBe('post');
        const hidden = all({ ...page, doc: { children: [f] } as never }, 'input').filter(
          (i) => i.attribs.name === 'csrf',
        );
        expect(hidden, f.attribs.action).toHaveLength(1);
        expect(hidden[0]!.attribs.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
      }
    }
    expect(count).toBeGreaterThanOrEqual(8);
  });
});

describe('email me a new link', () => {
  async function ask(address: string, browser = h.client()) {
    const page = await browser.get('/my/new-link');
    return browser.submit(page, '/my/new-link', { email: address });
  }

  it('answers the same whether or not the address is known, and mails links only to a known one', async () => {
    const known = await ask('ANN@customer.example');
    const unknown = await ask('nobody@nowhere.example');
    expect(known.status).toBe(200);
    expect({ status: unknown.status, html: unknown.html }).toEqual({
      status: known.status,
      html: known.html,
    });
    const mail = await eventually(() => {
      const m = h.smtp
        .to('ann@customer.example')
        .find((x) => x.parsed.subject === 'Your links to Herald');
      if (!m) throw new Error('no mail yet');
      return m;
    });
    expect(h.smtp.to('nobody@nowhere.example')).toEqual([]);
    const url = /View incident: (\S+)/.exec(mail.parsed.text ?? '')?.[1];
    expect(url).toMatch(/^https:\/\/herald\.example\/my\/link\//);
    expect(mail.parsed.text).toContain('Hers alone');
    expect(mail.parsed.text).not.toContain('His alone');
    const page = await h.client().open(url!);
    expect(h1(page)).toBe('Hers alone');
  });

  it('is limited per address across replicas, the same for known and unknown, with its counters in the database', async () => {
    const replica = await startWebHerald({ DATABASE_PATH: h.databasePath });
    try {
      for (const address of ['ann@customer.example', 'nobody@nowhere.example']) {
        const answers = [];
        for (const harness of [h, replica, h, replica]) {
          const browser = harness.client();
          const page = await browser.get('/my/new-link');
          answers.push((await browser.submit(page, '/my/new-link', { email: address })).status);
        }
        expect(answers, address).toEqual([200, 200, 200, 429]);
      }
    } finally {
      await replica.stop();
    }
    const rows = h.rows<{ key: string; hits: number }>(
      'SELECT key, hits FROM rate_limits ORDER BY key',
    );
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(rows)).not.toContain('@');
  });

  it('refuses a malformed address with our words, not its own', async () => {
    const before = h.snapshot();
    const page = await ask('<b>not-an-address');
    expect(page.status).toBe(400);
    expect(mainText(page)).toContain('Email address is not a valid email address.');
    expect(page.html).not.toContain('<b>not-an-address');
    expect(h.snapshot()).toBe(before);
  });

  it('refuses a post without the form’s token', async () => {
    const before = h.snapshot();
    const page = await h.client().post('/my/new-link', { email: 'ann@customer.example' });
    expect(page.status).toBe(403);
    expect(h.snapshot()).toBe(before);
  });
});

describe('methods and cookies', () => {
  it('a form route refuses GET with 405 and the JSON error', async () => {
    for (const path of ['/my/stop', '/my/logout', '/my/time-zone']) {
      const res = await fetch(`${h.base}${path}`);
      expect(res.status, path).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'METHOD_NOT_ALLOWED',
      );
    }
  });

  it('with an http PUBLIC_URL the session cookie is not Secure and has no __Host- prefix', async () => {
    const plain = await startWebHerald({ PUBLIC_URL: 'http://herald.internal:8080' });
    try {
      const person = await plain.person('Ann Customer', 'ann@customer.example');
      const rita2 = await plain.person('Rita', 'rita@corp.example', 'responder');
      const { incident } = await declareIncident(plain.herald.ctx, rita2, {
        title: 'x',
        source: 'slack',
      });
      await subscribeToIncident(plain.herald.ctx, rita2, {
        incidentId: incident.id,
        targets: [{ kind: 'person', personId: person.id }],
      });
      const token = signIncidentLink(
        SECRET,
        { personId: person.id, incidentId: incident.id },
        Date.now(),
      );
      const res = await plain.client().get(`/my/link/${token}`);
      const [cookie] = res.headers.getSetCookie();
      expect(cookie).toMatch(
        /^herald_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/,
      );
    } finally {
      await plain.stop();
    }
  });
});
