import { afterEach, describe, expect, it } from 'vitest';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import type { Target } from '../../src/domain/targets.js';
import type { Person } from '../../src/domain/types.js';
import { eventually } from '../support/eventually.js';
import { startEmailHerald, type EmailHarness } from './email-harness.js';

const people = (...ps: Person[]): Target[] => ps.map((p) => ({ kind: 'person', personId: p.id }));

let h: EmailHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('email: SMTP failures', () => {
  it('retries a 421 and then delivers, once', async () => {
    h = await startEmailHerald();
    const { ctx } = h.herald;
    const rita = await h.person('Rita', 'rita@corp.example', 'responder');
    const ann = await h.person('Ann', 'ann@corp.example');
    const { incident } = await declareIncident(ctx, rita, {
      title: 'Slow search',
      source: 'slack',
    });
    h.smtp.failNext(1, 421);

    await subscribeToIncident(ctx, rita, { incidentId: incident.id, targets: people(ann) });

    await eventually(() =>
      expect(h!.deliveries()).toEqual([expect.objectContaining({ state: 'sent', attempts: 2 })]),
    );
    expect(h.smtp.refused).toBe(1);
    expect(h.smtp.messages.map((m) => m.to)).toEqual([['ann@corp.example']]);
  });

  it('a 550 for one recipient makes that delivery undeliverable without holding up the others', async () => {
    h = await startEmailHerald();
    const { ctx } = h.herald;
    const rita = await h.person('Rita', 'rita@corp.example', 'responder');
    const ann = await h.person('Ann', 'ann@corp.example');
    const bob = await h.person('Bob', 'bob@gone.example');
    const cid = await h.person('Cid', 'cid@corp.example');
    const { incident } = await declareIncident(ctx, rita, {
      title: 'Slow search',
      source: 'slack',
    });
    h.smtp.rejectRecipient('bob@gone.example', 550);

    await subscribeToIncident(ctx, rita, {
      incidentId: incident.id,
      targets: people(ann, bob, cid),
    });

    await eventually(() =>
      expect(h!.deliveries().map((d) => [d.person, d.state, d.attempts])).toEqual([
        ['Ann', 'sent', 1],
        ['Bob', 'undeliverable', 1],
        ['Cid', 'sent', 1],
      ]),
    );
    expect(h.deliveries()[1]!.lastError).toMatch(/550/);
    expect(h.smtp.messages.map((m) => m.to).sort()).toEqual([
      ['ann@corp.example'],
      ['cid@corp.example'],
    ]);
  });
});
