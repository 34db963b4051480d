import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { groupIncidentKey, severityOf } from '../../src/actions/receive-alertmanager.js';
import { addRule } from '../../src/actions/manage-rules.js';
import { createStakeholderTeam } from '../../src/actions/manage-stakeholder-teams.js';
import { sqliteOf } from '../support/outbox-fixture.js';
import { startApi, type ApiHarness } from './harness.js';

type Payload = Record<string, unknown> & {
  groupKey: string;
  alerts: Array<Record<string, unknown>>;
};
const fixture = (name: string): Payload =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Payload;

let api: ApiHarness;
beforeEach(async () => {
  api = await startApi();
});
afterEach(async () => {
  await api.stop();
});

const post = (body: unknown) => api.call('POST', '/api/v1/alertmanager', { body });
const send = async (name: string) => {
  const res = await post(fixture(name));
  return {
    status: res.status,
    ...(res.body as { action: string; incident: { id: number } | null }),
  };
};
const rows = (sql: string, ...args: unknown[]) =>
  sqliteOf(api.herald.db)
    .prepare(sql)
    .all(...args);
const incidents = () =>
  rows(
    `SELECT id, title, severity, service, status, source, external_key AS key, resolution_note AS note
       FROM incidents ORDER BY id`,
  ) as Array<Record<string, unknown> & { id: number }>;
const updates = (incidentId: number) =>
  rows(
    'SELECT text, notify_stakeholders AS notify FROM status_updates WHERE incident_id = ? ORDER BY id',
    incidentId,
  ) as Array<{ text: string; notify: number }>;
const resolvedEvents = () =>
  rows(`SELECT incident_id FROM audit_log WHERE action = 'incident.resolved'`);

describe('the Alertmanager receiver', () => {
  it('firing declares, repeats change nothing, a changed alert set adds one internal update', async () => {
    expect(await send('firing')).toMatchObject({ status: 201, action: 'declared' });
    const [incident] = incidents();
    expect(incidents()).toEqual([
      {
        id: incident!.id,
        title: 'Payments API p99 latency above 2s',
        severity: 'SEV1',
        service: 'payments',
        status: 'open',
        source: 'alertmanager',
        key: `alertmanager:${fixture('firing').groupKey}`,
        note: null,
      },
    ]);
    const before = api.counts();
    expect(await send('firing-repeated')).toMatchObject({ status: 200, action: 'unchanged' });
    expect(await send('firing')).toMatchObject({ status: 200, action: 'unchanged' });
    expect(api.counts()).toEqual(before);

    expect(await send('firing-changed')).toMatchObject({
      status: 200,
      action: 'updated',
      incident: { id: incident!.id },
    });
    expect(await send('firing-changed')).toMatchObject({ action: 'unchanged' });
    expect(updates(incident!.id)).toEqual([
      {
        text: 'Alertmanager: 2 alerts firing now (1 started, 0 stopped). Started: PaymentsLatencyHigh on payments-2:8080.',
        notify: 0,
      },
    ]);
    // Back to one alert: the set changed again.
    expect(await send('firing')).toMatchObject({ action: 'updated' });
    expect(updates(incident!.id).at(-1)?.text).toBe(
      'Alertmanager: 1 alert firing now (0 started, 1 stopped).',
    );
    expect(incidents()).toHaveLength(1);
  });

  it('resolved resolves once; a repeat is a no-op; a later firing opens a new incident', async () => {
    const declared = await send('firing');
    await send('firing-changed');
    expect(await send('resolved')).toMatchObject({
      status: 200,
      action: 'resolved',
      incident: { id: declared.incident!.id, status: 'resolved' },
    });
    expect(incidents()[0]).toMatchObject({
      status: 'resolved',
      note: 'Resolved by Alertmanager: 2 alerts resolved',
    });
    const before = api.counts();
    expect(await send('resolved')).toMatchObject({
      status: 200,
      action: 'ignored',
      incident: null,
    });
    expect(api.counts()).toEqual(before);
    expect(resolvedEvents()).toHaveLength(1);

    const reopened = await send('firing');
    expect(reopened).toMatchObject({ status: 201, action: 'declared' });
    expect(reopened.incident!.id).not.toBe(declared.incident!.id);
    const key = `alertmanager:${fixture('firing').groupKey}`;
    expect(incidents().map((i) => [i.status, i.key])).toEqual([
      ['resolved', key],
      ['open', `${key}#2`],
    ]);
    expect(await send('firing-repeated')).toMatchObject({ action: 'unchanged' });
    expect(await send('resolved')).toMatchObject({
      action: 'resolved',
      incident: { id: reopened.incident!.id },
    });
    expect(await send('firing')).toMatchObject({ action: 'declared' });
    expect(incidents().map((i) => i.key)).toEqual([key, `${key}#2`, `${key}#3`]);
  });

  it('one incident per group: a group with two alerts is its own incident, by job and severity', async () => {
    await send('firing');
    expect(await send('two-alerts')).toMatchObject({ status: 201, action: 'declared' });
    expect(await send('two-alerts')).toMatchObject({ action: 'unchanged' });
    await send('firing-changed');
    expect(incidents().map((i) => [i.title, i.severity, i.service])).toEqual([
      ['Payments API p99 latency above 2s', 'SEV1', 'payments'],
      // No summary annotation: the alert name; no service label: the job.
      ['DiskAlmostFull', 'SEV3', 'node'],
    ]);
  });

  it('a resolved notification for a group it never saw does nothing', async () => {
    const before = api.counts();
    expect(await send('resolved')).toMatchObject({ status: 200, action: 'ignored' });
    expect(api.counts()).toEqual(before);
  });

  it('a human resolving the incident first makes the resolved notification a no-op', async () => {
    const { incident } = await send('firing');
    const res = await api.call('POST', `/api/v1/incidents/${incident!.id}/resolve`, {
      body: { note: 'fixed by hand' },
    });
    expect(res.status).toBe(200);
    expect(await send('resolved')).toMatchObject({ action: 'ignored' });
    expect(incidents()[0]).toMatchObject({ note: 'fixed by hand' });
  });

  it('declared alert incidents go through the auto-subscription rules', async () => {
    const { ctx } = api.herald;
    const admin = await ctx.store.people.create({ displayName: 'Ada', role: 'admin' }, Date.now());
    const ann = await ctx.store.people.create(
      { displayName: 'Ann', email: 'ann@x.example' },
      Date.now(),
    );
    const exec = await createStakeholderTeam(ctx, admin, {
      name: 'exec',
      members: [{ kind: 'person', personId: ann.id }],
    });
    await addRule(ctx, admin, {
      service: 'payments',
      severities: ['SEV1'],
      targets: [{ kind: 'team', name: exec.name }],
    });
    const { incident } = await send('firing');
    expect(await ctx.store.subscriptions.recipientIds(incident!.id)).toEqual([ann.id]);
    await send('two-alerts');
    expect(rows(`SELECT count(*) AS n FROM notification_events WHERE kind = 'subscribed'`)).toEqual(
      [{ n: 1 }],
    );
  });

  it.each([
    ['version', { ...fixture('firing'), version: '3' }],
    ['groupKey', { ...fixture('firing'), groupKey: undefined }],
    ['status', { ...fixture('firing'), status: 'pending' }],
    [
      'alerts.0.fingerprint',
      { ...fixture('firing'), alerts: [{ ...fixture('firing').alerts[0], fingerprint: '' }] },
    ],
    ['commonLabels.severity', { ...fixture('firing'), commonLabels: { severity: 1 } }],
  ])('refuses a payload with a bad %s (400, nothing written)', async (field, body) => {
    const before = api.counts();
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: { code: 'INVALID_INPUT', message: expect.any(String), field },
    });
    expect(api.counts()).toEqual(before);
  });
});

/** A lone half of a surrogate pair: what a cut in the middle of an emoji leaves behind. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Length as the core's limits count it: in code points (zod counts an emoji as one). */
const chars = (s: string) => [...s].length;
const truncations = () =>
  (
    rows(
      `SELECT incident_id AS incidentId, detail FROM audit_log WHERE action = 'alertmanager.truncated' ORDER BY id`,
    ) as Array<{ incidentId: number; detail: string }>
  ).map((r) => ({ incidentId: r.incidentId, detail: JSON.parse(r.detail) as unknown }));

describe("Herald's own limits never refuse a valid payload (issue 12, item 2)", () => {
  it('a group re-sent with ten more alerts with 400-character names is updated, its text cut with "…" and the cut recorded', async () => {
    const first = await send('firing');
    const base = fixture('firing');
    const alert = base.alerts[0]!;
    // Emoji (two UTF-16 units each) so a careless cut could split a pair.
    const longName = (n: number) => `Disk${n}${'🔥'.repeat(390)}${'x'.repeat(5)}`;
    expect(chars(longName(1))).toBe(400);
    const more = Array.from({ length: 10 }, (_, n) => ({
      ...alert,
      labels: {
        ...(alert.labels as Record<string, string>),
        alertname: longName(n),
        instance: `node-${n}:9100`,
      },
      fingerprint: `f${n}`,
    }));
    const res = await post({ ...base, alerts: [alert, ...more] });
    expect(res.body).toMatchObject({ action: 'updated', incident: { id: first.incident!.id } });
    expect(res.status).toBe(200);

    const [update] = updates(first.incident!.id);
    expect(chars(update!.text)).toBe(3000);
    expect(update!.text).toMatch(
      /^Alertmanager: 11 alerts firing now \(10 started, 0 stopped\)\. Started: Disk0🔥/u,
    );
    expect(update!.text.endsWith('…')).toBe(true);
    expect(update!.text).not.toMatch(LONE_SURROGATE);
    expect(update!.text).not.toContain('\uFFFD');
    // The whole text, before the cut: the prefix, then ten names of 400 characters and more.
    const length = expect.toSatisfy((n: number) => n > 4000);
    expect(truncations()).toEqual([
      {
        incidentId: first.incident!.id,
        detail: { groupKey: base.groupKey, cut: [{ field: 'text', length, max: 3000 }] },
      },
    ]);
  });

  it('declares with a title, summary and service from oversized or invisible labels cut to fit, and records each cut', async () => {
    const base = fixture('firing');
    const res = await post({
      ...base,
      groupKey: '{}:{alertname="Huge"}',
      commonLabels: {
        ...(base.commonLabels as Record<string, string>),
        service: `svc-${'s'.repeat(150)}`,
      },
      commonAnnotations: {
        summary: `Latency ${'🐢'.repeat(250)}`,
        description: `Impact: ${'d'.repeat(5000)}`,
      },
    });
    expect(res.status).toBe(201);
    const declared = (res.body as { incident: { id: number } }).incident;
    const row = rows(
      'SELECT title, summary, service FROM incidents WHERE id = ?',
      declared.id,
    )[0] as { title: string; summary: string; service: string };
    expect(row.title).toMatch(/^Latency (?:🐢)+…$/u);
    expect(chars(row.title)).toBe(200);
    expect(row.summary).toMatch(/^Impact: d+…$/);
    expect(chars(row.summary)).toBe(3000);
    expect(row.service).toMatch(/^svc-s+…$/);
    expect(chars(row.service)).toBe(100);
    for (const text of Object.values(row)) expect(text).not.toMatch(LONE_SURROGATE);
    expect(truncations()).toEqual([
      {
        incidentId: declared.id,
        detail: {
          groupKey: '{}:{alertname="Huge"}',
          cut: [
            { field: 'title', length: 258, max: 200 },
            { field: 'summary', length: 5008, max: 3000 },
            { field: 'service', length: 154, max: 100 },
          ],
        },
      },
    ]);

    // A summary annotation of nothing visible (bidi controls, a NUL) gives way to the alert name.
    const invisible = await post({
      ...base,
      groupKey: '{}:{alertname="Invisible"}',
      commonAnnotations: { summary: '\u202E\u2066\u0000 \u2069' },
    });
    expect(invisible.status).toBe(201);
    expect((invisible.body as { incident: { title: string } }).incident.title).toBe(
      'PaymentsLatencyHigh',
    );
  });
});

describe('mapping', () => {
  it.each([
    ['critical', 'SEV1'],
    ['CRITICAL', 'SEV1'],
    ['error', 'SEV2'],
    ['major', 'SEV2'],
    ['warning', 'SEV3'],
    ['info', 'SEV4'],
    [undefined, 'SEV4'],
  ])('severity %s → %s', (label, sev) => {
    expect(severityOf(label)).toBe(sev);
  });

  it('keeps readable group keys, hashes long or odd ones, and numbers generations', () => {
    expect(groupIncidentKey('{}:{alertname="X"}', 1)).toBe('alertmanager:{}:{alertname="X"}');
    expect(groupIncidentKey('{}:{alertname="X"}', 3)).toBe('alertmanager:{}:{alertname="X"}#3');
    const long = `{}:{alertname="${'x'.repeat(300)}"}`;
    expect(groupIncidentKey(long, 1)).toMatch(/^alertmanager:sha256:[0-9a-f]{64}$/);
    expect(groupIncidentKey(`${long}y`, 1)).not.toBe(groupIncidentKey(long, 1));
    expect(groupIncidentKey(' padded ', 1)).toMatch(/^alertmanager:sha256:/);
    expect(groupIncidentKey(long, 2 ** 31 - 1).length).toBeLessThanOrEqual(200);
  });
});
