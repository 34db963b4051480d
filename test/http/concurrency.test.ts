import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertmanagerPayload } from '../../adapters/http/alertmanager.js';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { postStatusUpdate } from '../../src/actions/post-status-update.js';
import { receiveAlertmanager } from '../../src/actions/receive-alertmanager.js';
import { resolveIncident } from '../../src/actions/resolve-incident.js';
import { SYSTEM_ACTOR_KEY, systemActor } from '../../src/actions/system-actor.js';
import { sqliteOf } from '../support/outbox-fixture.js';
import { startApi, type ApiHarness } from './harness.js';

// Each use case is one unit of work on an async store. Calls started in the same turn of the event
// loop interleave at every await (requests over HTTP to one SQLite process mostly do not: each
// runs to its end between two socket reads), and must still act once each.

let api: ApiHarness;
beforeEach(async () => {
  api = await startApi();
});
afterEach(async () => {
  await api.stop();
});

const firing = JSON.parse(
  readFileSync(new URL('./fixtures/firing.json', import.meta.url), 'utf8'),
) as unknown;
const together = <T>(n: number, call: (i: number) => Promise<T>) =>
  Promise.all(Array.from({ length: n }, (_, i) => call(i)));
/** How each call ended: its value, or the error code it was refused with. */
const settle = <T>(calls: Promise<T>[]) =>
  Promise.allSettled(calls).then((all) =>
    all.map((r) =>
      r.status === 'fulfilled' ? r.value : `refused ${(r.reason as { code?: string }).code}`,
    ),
  );

describe('the intake use cases, started together', () => {
  it('with its setting lost, calls started together make one new Herald API person', async () => {
    // The door made the person at start-up; lose the setting that finds it, as a restore might.
    const db = sqliteOf(api.herald.db);
    const first = Number(await api.herald.ctx.store.settings.get(SYSTEM_ACTOR_KEY));
    db.prepare('DELETE FROM settings WHERE key = ?').run(SYSTEM_ACTOR_KEY);
    const actors = await together(8, () => systemActor(api.herald.ctx));
    expect(new Set(actors.map((a) => a.id)).size).toBe(1);
    expect(actors[0]!.id).not.toBe(first);
    expect(api.counts().people).toBe(2);
  });

  it('the same externalKey declares one incident; the others get it back', async () => {
    const { ctx } = api.herald;
    const actor = await systemActor(ctx);
    const results = await together(8, (i) =>
      declareIncident(ctx, actor, {
        title: `Disk full ${i}`,
        source: 'api',
        externalKey: 'nagios:db1:disk',
      }),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.incident.id)).size).toBe(1);
    expect(api.counts()).toMatchObject({ incidents: 1, audit_log: 1 });
  });

  it('an Alertmanager notification and its redeliveries declare once', async () => {
    const { ctx } = api.herald;
    const actor = await systemActor(ctx);
    const payload = alertmanagerPayload.parse(firing);
    const results = await together(6, () => receiveAlertmanager(ctx, actor, payload));
    expect(results.map((r) => r.action).sort()).toEqual([
      'declared',
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(api.counts()).toMatchObject({ incidents: 1, status_updates: 0 });
    // Over HTTP too, as Alertmanager's retries and a second replica's deliveries would come.
    const answers = await together(4, () =>
      api.call('POST', '/api/v1/alertmanager', { body: firing }),
    );
    expect(answers.map((a) => [a.status, (a.body as { action: string }).action])).toEqual(
      Array(4).fill([200, 'unchanged']),
    );
  });

  it('updates started together are each written once; resolving twice at once resolves once', async () => {
    const { ctx } = api.herald;
    const actor = await systemActor(ctx);
    const { incident } = await declareIncident(ctx, actor, { title: 'Checkout', source: 'api' });
    const updates = await together(5, (i) =>
      postStatusUpdate(ctx, actor, {
        incidentId: incident.id,
        text: `step ${i}`,
        notifyStakeholders: true,
      }),
    );
    expect(new Set(updates.map((u) => u.update.id)).size).toBe(5);
    const resolves = await settle(
      [1, 2, 3].map((i) => resolveIncident(ctx, actor, { incidentId: incident.id, note: `${i}` })),
    );
    expect(resolves.filter((r) => r === 'refused ALREADY_RESOLVED')).toHaveLength(2);
    const [resolved] = resolves.filter((r) => typeof r !== 'string');
    expect(resolved).toMatchObject({ incident: { id: incident.id, status: 'resolved' } });
    expect(api.counts()).toMatchObject({ incidents: 1, status_updates: 5 });
    expect(
      sqliteOf(api.herald.db)
        .prepare(`SELECT count(*) AS n FROM audit_log WHERE action = 'incident.resolved'`)
        .get(),
    ).toEqual({ n: 1 });
  });
});
