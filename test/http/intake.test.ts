import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addRule } from '../../src/actions/manage-rules.js';
import { createStakeholderTeam } from '../../src/actions/manage-stakeholder-teams.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import { SYSTEM_ACTOR_KEY } from '../../src/actions/system-actor.js';
import { eventually } from '../support/eventually.js';
import { sqliteOf } from '../support/outbox-fixture.js';
import { startApi, TOKEN, type ApiHarness, type CallOptions } from './harness.js';

let api: ApiHarness;
beforeEach(async () => {
  api = await startApi();
});
afterEach(async () => {
  await api.stop();
});

const declare = (body: object) => api.call('POST', '/api/v1/incidents', { body });
const errorOf = (res: { body: unknown }) => (res.body as { error: Record<string, string> }).error;
const incidentOf = (res: { body: unknown }) =>
  (res.body as { incident: { id: number } & Record<string, unknown> }).incident;

describe('POST /api/v1/incidents', () => {
  it('declares as the Herald API person (201, Location) and shows it back', async () => {
    const res = await declare({
      title: 'Checkout  errors',
      summary: 'Some customers cannot pay',
      severity: 'SEV2',
      service: 'checkout',
    });
    expect(res.status).toBe(201);
    const incident = incidentOf(res);
    expect(res.headers.get('location')).toBe(`/api/v1/incidents/${incident.id}`);
    expect(res.body).toEqual({
      created: true,
      incident: {
        id: incident.id,
        title: 'Checkout errors',
        summary: 'Some customers cannot pay',
        severity: 'SEV2',
        service: 'checkout',
        status: 'open',
        source: 'api',
        externalKey: null,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        resolvedAt: null,
        resolutionNote: null,
        lastStakeholderUpdateAt: null,
      },
    });
    const { store } = api.herald.ctx;
    const declarer = await store.people.byId(
      (await store.incidents.byId(incident.id))!.declaredBy!,
    );
    expect(declarer).toMatchObject({
      displayName: 'Herald API',
      role: 'responder',
      email: null,
      slackUserId: null,
      teamsAadId: null,
    });
    const shown = await api.call('GET', `/api/v1/incidents/${incident.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual({ incident: incidentOf(res), updates: [], stakeholders: 0 });
  });

  it('defaults severity to SEV3 and is idempotent on externalKey (200, same incident)', async () => {
    const body = { title: 'Disk full', externalKey: 'nagios:db1:disk' };
    const first = await declare(body);
    expect(first.status).toBe(201);
    expect(incidentOf(first)).toMatchObject({ severity: 'SEV3', externalKey: 'nagios:db1:disk' });
    const before = api.counts();
    const again = await declare({ ...body, title: 'Disk full again', severity: 'SEV1' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ created: false, incident: incidentOf(first) });
    expect(api.counts()).toEqual(before);
    const other = await declare({ ...body, externalKey: 'nagios:db2:disk' });
    expect(other.status).toBe(201);
    expect(incidentOf(other).id).not.toBe(incidentOf(first).id);
  });

  it('keeps one Herald API person across restarts', async () => {
    const first = incidentOf(await declare({ title: 'One' }));
    const settings = api.herald.ctx.store.settings;
    const id = await settings.get(SYSTEM_ACTOR_KEY);
    expect(id).toMatch(/^\d+$/);
    await api.stop(true);
    api = await startApi(api.dir);
    const second = incidentOf(await declare({ title: 'Two' }));
    const { store } = api.herald.ctx;
    expect(await store.settings.get(SYSTEM_ACTOR_KEY)).toBe(id);
    expect((await store.incidents.byId(second.id))!.declaredBy).toBe(
      (await store.incidents.byId(first.id))!.declaredBy,
    );
    expect(api.counts().people).toBe(1);
  });
});

describe('updates, resolve and the incident view', () => {
  it('adds internal and stakeholder updates, resolves once, and tells subscribers', async () => {
    const { id } = incidentOf(await declare({ title: 'Checkout errors' }));
    const { ctx } = api.herald;
    const rita = await ctx.store.people.create(
      { displayName: 'Rita', role: 'responder' },
      Date.now(),
    );
    const ann = await ctx.store.people.create(
      { displayName: 'Ann', email: 'ann@x.example' },
      Date.now(),
    );
    await subscribeToIncident(ctx, rita, {
      incidentId: id,
      targets: [{ kind: 'person', personId: ann.id }],
    });

    const internal = await api.call('POST', `/api/v1/incidents/${id}/updates`, {
      body: { text: 'rolling back' },
    });
    expect(internal.status).toBe(201);
    expect(internal.body).toEqual({
      update: {
        id: expect.any(Number),
        text: 'rolling back',
        notify: false,
        createdAt: expect.any(String),
      },
      notified: 0,
    });
    const flagged = await api.call('POST', `/api/v1/incidents/${id}/updates`, {
      body: { text: 'A fix is rolling out', notify: true },
    });
    expect(flagged.status).toBe(201);
    expect(flagged.body).toMatchObject({ update: { notify: true }, notified: 1 });

    const resolved = await api.call('POST', `/api/v1/incidents/${id}/resolve`, {
      body: { note: 'Rolled back' },
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({
      incident: { id, status: 'resolved', resolutionNote: 'Rolled back' },
      notified: 1,
    });
    expect(incidentOf(resolved).resolvedAt).toEqual(expect.any(String));

    const shown = await api.call('GET', `/api/v1/incidents/${id}`);
    expect(shown.body).toMatchObject({
      incident: { status: 'resolved' },
      updates: [
        { text: 'A fix is rolling out', notify: true },
        { text: 'rolling back', notify: false },
      ],
      stakeholders: 1,
    });
    await eventually(() =>
      expect(api.sent.map((j) => `${j.person.displayName}/${j.event.payload.kind}`)).toEqual([
        'Ann/subscribed',
        'Ann/update',
        'Ann/resolved',
      ]),
    );
    expect(api.sent[1]?.event.payload).toMatchObject({
      text: 'A fix is rolling out',
      by: 'Herald API',
    });
  });

  it('resolves without a body at all', async () => {
    const { id } = incidentOf(await declare({ title: 'Checkout errors' }));
    const res = await api.call('POST', `/api/v1/incidents/${id}/resolve`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ incident: { status: 'resolved', resolutionNote: null } });
  });
});

describe('auto-subscription rules on intake', () => {
  it('a rule for team exec on SEV1 payments incidents tells exec of a SEV1, not of a SEV3', async () => {
    const { ctx } = api.herald;
    const now = Date.now();
    const admin = await ctx.store.people.create({ displayName: 'Ada', role: 'admin' }, now);
    const ann = await ctx.store.people.create({ displayName: 'Ann', email: 'ann@x.example' }, now);
    const cal = await ctx.store.people.create({ displayName: 'Cal', email: 'cal@x.example' }, now);
    const exec = await createStakeholderTeam(ctx, admin, {
      name: 'exec',
      members: [ann, cal].map((p) => ({ kind: 'person', personId: p.id })),
    });
    await addRule(ctx, admin, {
      service: 'payments',
      severities: ['SEV1'],
      targets: [{ kind: 'team', name: exec.name }],
    });
    const sev1 = incidentOf(
      await declare({ title: 'Payments down', severity: 'SEV1', service: 'payments' }),
    );
    const sev3 = incidentOf(
      await declare({ title: 'Payments slow', severity: 'SEV3', service: 'payments' }),
    );
    const subscribed = (incidentId: number) =>
      sqliteOf(api.herald.db)
        .prepare(
          `SELECT p.display_name AS who FROM deliveries d JOIN people p ON p.id = d.person_id
             JOIN notification_events e ON e.id = d.event_id
            WHERE e.kind = 'subscribed' AND e.incident_id = ? ORDER BY who`,
        )
        .all(incidentId);
    expect(subscribed(sev1.id)).toEqual([{ who: 'Ann' }, { who: 'Cal' }]);
    expect(subscribed(sev3.id)).toEqual([]);
    await eventually(() =>
      expect(
        api.sent.map((j) => `${j.person.displayName}/${j.event.payload.incident.id}`).sort(),
      ).toEqual([`Ann/${sev1.id}`, `Cal/${sev1.id}`]),
    );
    const shown = await api.call('GET', `/api/v1/incidents/${sev1.id}`);
    expect(shown.body).toMatchObject({ stakeholders: 2 });
  });
});

describe('refusals: a JSON error, and nothing written', () => {
  let id: number;
  let resolvedId: number;
  beforeEach(async () => {
    id = incidentOf(await declare({ title: 'Open one' })).id;
    resolvedId = incidentOf(await declare({ title: 'Resolved one' })).id;
    await api.call('POST', `/api/v1/incidents/${resolvedId}/resolve`);
  });

  const big = JSON.stringify({ title: 'x', summary: 'y'.repeat(70 * 1024) });
  const cases: Array<[string, string, () => string, CallOptions, number, string, string?]> = [
    [
      'no token',
      'POST',
      () => '/api/v1/incidents',
      { body: { title: 'x' }, token: null },
      401,
      'UNAUTHORIZED',
    ],
    [
      'a wrong token',
      'POST',
      () => '/api/v1/incidents',
      { body: { title: 'x' }, token: `${TOKEN}x` },
      401,
      'UNAUTHORIZED',
    ],
    [
      'a wrong token of the same length',
      'GET',
      () => `/api/v1/incidents/${id}`,
      { token: TOKEN.replace(/.$/, '!') },
      401,
      'UNAUTHORIZED',
    ],
    [
      'no token on updates',
      'POST',
      () => `/api/v1/incidents/${id}/updates`,
      { body: { text: 'x' }, token: null },
      401,
      'UNAUTHORIZED',
    ],
    [
      'no token on resolve',
      'POST',
      () => `/api/v1/incidents/${id}/resolve`,
      { token: null },
      401,
      'UNAUTHORIZED',
    ],
    [
      'no token on alertmanager',
      'POST',
      () => '/api/v1/alertmanager',
      { body: {}, token: null },
      401,
      'UNAUTHORIZED',
    ],
    [
      'a missing title',
      'POST',
      () => '/api/v1/incidents',
      { body: { summary: 's' } },
      400,
      'INVALID_INPUT',
      'title',
    ],
    [
      'an empty title',
      'POST',
      () => '/api/v1/incidents',
      { body: { title: '  ' } },
      400,
      'INVALID_INPUT',
      'title',
    ],
    [
      'a title of the wrong type',
      'POST',
      () => '/api/v1/incidents',
      { body: { title: 42 } },
      400,
      'INVALID_INPUT',
      'title',
    ],
    [
      'an unknown severity',
      'POST',
      () => '/api/v1/incidents',
      { body: { title: 'x', severity: 'SEV9' } },
      400,
      'INVALID_INPUT',
      'severity',
    ],
    [
      'an unknown field',
      'POST',
      () => '/api/v1/incidents',
      { body: { title: 'x', priority: 1 } },
      400,
      'INVALID_INPUT',
      'priority',
    ],
    [
      'a reserved externalKey',
      'POST',
      () => '/api/v1/incidents',
      { body: { title: 'x', externalKey: 'alertmanager:x' } },
      400,
      'INVALID_INPUT',
      'externalKey',
    ],
    [
      'a body that is not an object',
      'POST',
      () => '/api/v1/incidents',
      { body: ['title'] },
      400,
      'INVALID_INPUT',
      'body',
    ],
    [
      'malformed JSON',
      'POST',
      () => '/api/v1/incidents',
      { raw: '{"title": "x",' },
      400,
      'MALFORMED_JSON',
      'body',
    ],
    [
      'an empty update',
      'POST',
      () => `/api/v1/incidents/${id}/updates`,
      { body: { text: ' ' } },
      400,
      'INVALID_INPUT',
      'text',
    ],
    [
      'a notify flag that is not a boolean',
      'POST',
      () => `/api/v1/incidents/${id}/updates`,
      { body: { text: 'x', notify: 'yes' } },
      400,
      'INVALID_INPUT',
      'notify',
    ],
    [
      'a note too long',
      'POST',
      () => `/api/v1/incidents/${id}/resolve`,
      { body: { note: 'n'.repeat(3001) } },
      400,
      'INVALID_INPUT',
      'note',
    ],
    [
      'an id that is not a number',
      'GET',
      () => '/api/v1/incidents/abc',
      {},
      400,
      'INVALID_INPUT',
      'id',
    ],
    ['an unknown incident', 'GET', () => '/api/v1/incidents/999', {}, 404, 'INCIDENT_NOT_FOUND'],
    [
      'an update to an unknown incident',
      'POST',
      () => '/api/v1/incidents/999/updates',
      { body: { text: 'x' } },
      404,
      'INCIDENT_NOT_FOUND',
    ],
    [
      'resolving an unknown incident',
      'POST',
      () => '/api/v1/incidents/999/resolve',
      {},
      404,
      'INCIDENT_NOT_FOUND',
    ],
    [
      'resolving twice',
      'POST',
      () => `/api/v1/incidents/${resolvedId}/resolve`,
      { body: { note: 'again' } },
      409,
      'ALREADY_RESOLVED',
    ],
    [
      'an update to a resolved incident',
      'POST',
      () => `/api/v1/incidents/${resolvedId}/updates`,
      { body: { text: 'x', notify: true } },
      409,
      'ALREADY_RESOLVED',
    ],
    [
      'a body over 64 kB',
      'POST',
      () => '/api/v1/incidents',
      { raw: big },
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'a body that is not JSON',
      'POST',
      () => '/api/v1/incidents',
      { raw: 'title=x', contentType: 'application/x-www-form-urlencoded' },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'plain text',
      'POST',
      () => `/api/v1/incidents/${id}/updates`,
      { raw: '{"text":"x"}', contentType: 'text/plain' },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
  ];

  it.each(cases)('%s → %s %s', async (_what, method, path, opts, status, code, field) => {
    const before = api.counts();
    const res = await api.call(method, path(), opts);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(errorOf(res)).toEqual({
      code,
      message: expect.any(String),
      ...(field ? { field } : {}),
    });
    if (status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(api.counts()).toEqual(before);
  });

  it('an unknown route under /api/v1 is a JSON 404', async () => {
    const res = await api.call('GET', '/api/v1/nope');
    expect(res.status).toBe(404);
    expect(errorOf(res)).toMatchObject({ code: 'NOT_FOUND' });
  });
});
