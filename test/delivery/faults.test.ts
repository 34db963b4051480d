import { SlackPostMessage } from '../../adapters/slack/post-message.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SlackDirectMessenger } from '../../adapters/slack/messenger.js';
import { SqlDeliveryQueue } from '../../db/delivery-queue.js';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import { systemClock } from '../../src/clock.js';
import { DeliveryWorker } from '../../src/delivery/worker.js';
import type { Target } from '../../src/domain/targets.js';
import { coreHarness, type CoreHarness } from '../support/core.js';
import { eventually } from '../support/eventually.js';
import { FakeSlack } from '../support/fake-slack.js';

let h: CoreHarness;
let slack: FakeSlack;
let worker: DeliveryWorker;
beforeEach(async () => {
  h = coreHarness(['slack']);
  slack = await new FakeSlack().start();
});
afterEach(async () => {
  await worker.stop(5_000);
  await slack.stop();
  await h.close();
});

describe('fan-out under injected faults', () => {
  it('ends with every delivery sent exactly once or correctly undeliverable', async () => {
    const responder = await h.person({ name: 'Rita', role: 'responder', slack: 'URITA' });
    const people: Target[] = [];
    for (let i = 0; i < 300; i++) {
      const p = await h.person({ name: `P${i}`, slack: i < 280 ? `UOK${i}` : `UDEAD${i}` });
      people.push({ kind: 'person', personId: p.id });
    }
    for (let i = 280; i < 300; i++) slack.failDmsTo(`UDEAD${i}`, { error: 'user_disabled' });
    slack.faults({ rate: 0.2, kinds: ['429', '5xx', 'timeout', 'drop'], holdMs: 2_500, seed: 42 });

    // A time-out well under the fault's hold (a held request fails) and well over any honest
    // answer's time, even with the fake and the worker sharing one event loop.
    const client = new SlackPostMessage({
      token: 'xoxb-test',
      apiUrl: slack.apiUrl,
      timeoutMs: 1_500,
    });
    worker = new DeliveryWorker({
      queue: new SqlDeliveryQueue(h.db),
      messengers: { slack: new SlackDirectMessenger(client, { workspacePerSecond: 1000 }) },
      clock: systemClock,
      concurrency: 32,
      maxAttempts: 25,
      backoff: { baseMs: 10, maxMs: 60 },
      pollMs: 20,
    });

    const { incident } = await declareIncident(h.ctx, responder, {
      title: 'Fault storm',
      source: 'slack',
    });
    await subscribeToIncident(h.ctx, responder, { incidentId: incident.id, targets: people });
    worker.start();

    const states = () =>
      Object.fromEntries(
        (
          h.db.sqlite
            .prepare('SELECT state, count(*) AS n FROM deliveries GROUP BY state')
            .all() as Array<{ state: string; n: number }>
        ).map((r) => [r.state, r.n]),
      );
    await eventually(() => expect(states()).toEqual({ sent: 280, undeliverable: 20 }), 30_000);

    // Every kind of fault happened, and still each reachable person got exactly one DM.
    for (const kind of ['429', '5xx', 'timeout', 'drop'])
      expect(slack.injected[kind]).toBeGreaterThan(0);
    const delivered = new Map<string, number>();
    for (const c of slack.callsOf('chat.postMessage')) {
      const channel = String(c.args.channel);
      if (channel.startsWith('UOK')) delivered.set(channel, (delivered.get(channel) ?? 0) + 1);
    }
    expect(delivered.size).toBe(280);
    expect([...delivered.values()].every((n) => n === 1)).toBe(true);
  }, 45_000);
});
