import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { parsePrometheus, valueOf } from '../support/prometheus.js';
import { slackHarness, type SlackHarness } from './harness.js';

let h: SlackHarness;
beforeEach(async () => {
  h = await slackHarness();
});
afterEach(async () => {
  await h.close();
});

const scrape = async () => {
  const res = await fetch(`${h.base}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return parsePrometheus(await res.text());
};

describe('GET /metrics', () => {
  it('is valid Prometheus text and its counters move during a fan-out', async () => {
    const before = await scrape();
    expect(valueOf(before, 'herald_deliveries_total', { channel: 'slack', state: 'sent' })).toBe(0);
    expect(before.some((s) => s.name === 'herald_process_resident_memory_bytes')).toBe(true);
    // The event loop's delay is still sampled (every 100 ms, not every 10).
    expect(before.some((s) => s.name === 'herald_nodejs_eventloop_lag_p99_seconds')).toBe(true);

    h.slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    await h.requests.command('URITA', '/incident', 'new Outage');
    await eventually(() => expect(h.count('incidents')).toBe(1));
    await h.requests.command('URITA', '/incident', 'subscribe 1 <@UGUS> <@UANN> cfo@corp.example');
    await h.requests.command('URITA', '/incident', 'resolve #nope');
    await eventually(() => expect(h.count("deliveries WHERE state = 'sent'")).toBe(3));

    const after = await eventually(async () => {
      const s = await scrape();
      expect(valueOf(s, 'herald_deliveries_total', { channel: 'slack', state: 'sent' })).toBe(2);
      return s;
    });
    expect(valueOf(after, 'herald_deliveries_total', { channel: 'email', state: 'sent' })).toBe(1);
    expect(valueOf(after, 'herald_deliveries_total', { channel: 'slack', state: 'retrying' })).toBe(
      1,
    );
    expect(valueOf(after, 'herald_delivery_retries_total', { channel: 'slack' })).toBe(1);
    expect(valueOf(after, 'herald_delivery_latency_seconds_count', { channel: 'slack' })).toBe(2);
    expect(
      valueOf(after, 'herald_commands_total', { command: 'incident new', outcome: 'ok' }),
    ).toBe(1);
    expect(
      valueOf(after, 'herald_commands_total', { command: 'incident subscribe', outcome: 'ok' }),
    ).toBe(1);
    expect(valueOf(after, 'herald_commands_total', { command: 'incident', outcome: 'USAGE' })).toBe(
      1,
    );
    expect(valueOf(after, 'herald_outbox_depth', { state: 'sent' })).toBe(3);
    expect(valueOf(after, 'herald_outbox_depth', { state: 'pending' })).toBe(0);
  });
});
