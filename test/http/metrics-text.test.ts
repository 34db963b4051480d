import type { AddressInfo } from 'node:net';
import express from 'express';
import { Gauge } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { HeraldMetrics } from '../../adapters/http/metrics.js';
import { parsePrometheus } from '../support/prometheus.js';

const counts = { pending: 0, sending: 0, retrying: 0, sent: 0, failed: 0, undeliverable: 0 };
let close: () => void = () => {};
afterEach(() => close());

describe('GET /metrics text', () => {
  it('spells a gauge without a value NaN, as the exposition format does, not Nan', async () => {
    const metrics = new HeraldMetrics(() => Promise.resolve(counts));
    new Gauge({
      name: 'herald_test_unset',
      help: 'No value yet.',
      registers: [metrics.registry],
    }).set(Number.NaN);
    const app = express();
    metrics.mount(app);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    close = () => server.close();

    const text = await (
      await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`)
    ).text();

    expect(text).toContain('herald_test_unset NaN\n');
    expect(text).not.toMatch(/ Nan$/m);
    const samples = parsePrometheus(text);
    expect(Number.isNaN(samples.find((s) => s.name === 'herald_test_unset')?.value)).toBe(true);
  });
});
