/**
 * The isolation matrix (test/actions/access.test.ts) on every page: each reader, whatever their
 * role, sees on the pages exactly the incidents they follow — directly or through a team — and
 * every other incident reads like a link that is not valid, even with a ref genuinely signed for
 * them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentRef } from '../../adapters/web/incident-ref.js';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { createStakeholderTeam } from '../../src/actions/manage-stakeholder-teams.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import { unsubscribeFromIncident } from '../../src/actions/unsubscribe-from-incident.js';
import type { Incident, Person } from '../../src/domain/types.js';
import { signIncidentLink } from '../../src/stakeholder-link.js';
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
const incidents: Record<string, Incident> = {};
const readers: Record<string, { person: Person; follows: string[]; browser?: PageClient }> = {};

beforeAll(async () => {
  h = await startWebHerald();
  const { ctx } = h.herald;
  const admin = await h.person('Ada Admin', 'ada@corp.example', 'admin');
  const rita = await h.person('Rita Responder', 'rita@corp.example', 'responder');
  const ann = await h.person('Ann Direct', 'ann@customer.example');
  const bea = await h.person('Bea Team', 'bea@customer.example');
  const cal = await h.person('Cal Left', 'cal@customer.example');
  await createStakeholderTeam(ctx, admin, {
    name: 'exec',
    members: [bea, cal].map((p) => ({ kind: 'person', personId: p.id })),
  });
  for (const title of ['Alpha', 'Bravo', 'Charlie', 'Delta']) {
    incidents[title] = (await declareIncident(ctx, rita, { title, source: 'slack' })).incident;
  }
  const sub = (title: string, targets: Parameters<typeof subscribeToIncident>[2]['targets']) =>
    subscribeToIncident(ctx, rita, { incidentId: incidents[title]!.id, targets });
  const person = (p: Person) => [{ kind: 'person' as const, personId: p.id }];
  await sub('Alpha', person(ann));
  await sub('Alpha', person(admin));
  await sub('Bravo', [{ kind: 'team', name: 'exec' }]);
  await sub('Charlie', person(rita));
  await sub('Charlie', person(cal));
  // Cal leaves Bravo on his own: his team no longer reaches him there.
  await unsubscribeFromIncident(ctx, cal, {
    incidentId: incidents.Bravo!.id,
    targets: person(cal),
  });
  readers.stakeholder = { person: ann, follows: ['Alpha'] };
  readers['team member'] = { person: bea, follows: ['Bravo'] };
  readers['team member who left'] = { person: cal, follows: ['Charlie'] };
  readers.responder = { person: rita, follows: ['Charlie'] };
  readers.admin = { person: admin, follows: ['Alpha'] };
  for (const r of Object.values(readers)) {
    r.browser = h.client();
    const first = incidents[r.follows[0]!]!;
    const token = signIncidentLink(
      SECRET,
      { personId: r.person.id, incidentId: first.id },
      Date.now(),
    );
    expect((await r.browser.open(`/my/link/${token}`)).status).toBe(200);
  }
  await h.settled();
});
afterAll(() => h.stop());

const cases = () =>
  Object.keys(readers).flatMap((reader) =>
    ['Alpha', 'Bravo', 'Charlie', 'Delta'].map((title) => ({ reader, title })),
  );

describe('the isolation matrix on the pages', () => {
  it.each(['stakeholder', 'team member', 'team member who left', 'responder', 'admin'])(
    '%s: the incident page of each incident, "My incidents" and "How to reach me"',
    async (reader) => {
      const r = readers[reader]!;
      const browser = r.browser!;
      const bad = await h.client().get('/my/link/x');
      for (const { title } of cases().filter((c) => c.reader === reader)) {
        const ref = incidentRef(SECRET, r.person.id, incidents[title]!.id);
        const page = await browser.get(`/my/incidents/${ref}`);
        if (r.follows.includes(title)) {
          expect(page.status, title).toBe(200);
          expect(h1(page)).toBe(title);
        } else {
          expect({ status: page.status, html: page.html }, title).toEqual({
            status: bad.status,
            html: bad.html,
          });
        }
      }
      const titles = (text: string) =>
        ['Alpha', 'Bravo', 'Charlie', 'Delta'].filter((t) => text.includes(t));
      expect(titles(mainText(await browser.get('/my/incidents')))).toEqual(r.follows);
      expect(titles(mainText(await browser.get('/my/reach')))).toEqual(r.follows);
    },
  );

  it.each(['stakeholder', 'team member', 'team member who left', 'responder', 'admin'])(
    '%s: unsubscribing from an incident they do not follow changes nothing',
    async (reader) => {
      const r = readers[reader]!;
      const browser = r.browser!;
      const csrf = all(await browser.get('/my/reach'), 'input').find(
        (i) => i.attribs.name === 'csrf',
      )!.attribs.value!;
      const before = h.snapshot();
      for (const title of ['Alpha', 'Bravo', 'Charlie', 'Delta'].filter(
        (t) => !r.follows.includes(t),
      )) {
        const ref = incidentRef(SECRET, r.person.id, incidents[title]!.id);
        const page = await browser.post(`/my/unsubscribe/${ref}`, { csrf });
        expect(page.status, title).toBe(404);
        expect(h1(page)).toBe('This link is not valid');
      }
      expect(h.snapshot()).toBe(before);
    },
  );
});
