import type { Express } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DeliveryCounts } from '../../src/ports.js';
import type { SettledEvent } from '../../src/delivery/worker.js';
import type { Channel } from '../../src/domain/types.js';
import { methodNotAllowed } from '../method-not-allowed.js';

/**
 * How often the event-loop delay is sampled (the `herald_nodejs_eventloop_lag_*` gauges): a timer
 * that wakes the process whatever it is doing. The library's default, 10 ms, woke an idle Herald
 * 100 times a second. At 100 ms it woke 11 times a second and spent 1.5–1.8 ms of CPU a second; at
 * 1 s, 2 times and 0.9 ms (BENCHMARKS.md). A paced fan-out, which sleeps between its ticks, wakes
 * 0.1–0.2 times fewer per delivery. A sample taken while the process sleeps reads zero; a stall
 * long enough to matter (Slack gives an ack 3 s) spans a sample and shows in it, and a 15 s scrape
 * still summarises 15 samples.
 */
export const EVENT_LOOP_SAMPLE_MS = 1_000;

/**
 * prom-client writes a gauge that has no value yet as `Nan` (the event-loop delay gauges before
 * their first sample, or a scrape within a sample of the last); the exposition format's spelling is
 * `NaN`, which is what a strict parser (OpenMetrics) accepts.
 */
const NAN_SAMPLE = / Nan\n/g;

/**
 * Herald's Prometheus metrics: commands, deliveries by channel and state, delivery latency (event →
 * sent), retries, rate-limit waits, outbox depth (read at scrape time), and process metrics.
 */
export class HeraldMetrics {
  readonly registry = new Registry();
  private readonly commands = new Counter({
    name: 'herald_commands_total',
    help: 'Commands run, by name and outcome (ok or an error code).',
    labelNames: ['command', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly deliveries = new Counter({
    name: 'herald_deliveries_total',
    help: 'Delivery attempts settled, by channel and resulting state.',
    labelNames: ['channel', 'state'] as const,
    registers: [this.registry],
  });
  private readonly retries = new Counter({
    name: 'herald_delivery_retries_total',
    help: 'Transient delivery failures scheduled for another attempt.',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'herald_delivery_latency_seconds',
    help: 'From the notification event to the message being sent.',
    labelNames: ['channel'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  private readonly waits = new Counter({
    name: 'herald_rate_limit_waits_total',
    help: 'Sends that waited for a rate limit, by channel.',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  private readonly waitSeconds = new Counter({
    name: 'herald_rate_limit_wait_seconds_total',
    help: 'Time spent waiting for rate limits, by channel.',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });

  constructor(outboxCounts: () => Promise<DeliveryCounts>) {
    collectDefaultMetrics({
      register: this.registry,
      prefix: 'herald_',
      eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
    });
    new Gauge({
      name: 'herald_outbox_depth',
      help: 'Deliveries in the outbox, by state.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        for (const [state, n] of Object.entries(await outboxCounts())) this.set({ state }, n);
      },
    });
  }

  command = (name: string, outcome: string): void => {
    this.commands.inc({ command: name, outcome });
  };

  settled = (event: SettledEvent): void => {
    const { channel } = event.delivery;
    this.deliveries.inc({ channel, state: event.outcome });
    if (event.outcome === 'retrying') this.retries.inc({ channel });
    if (event.outcome === 'sent') this.latency.observe({ channel }, event.latencyMs / 1000);
  };

  rateLimitWait = (channel: Channel, ms: number): void => {
    this.waits.inc({ channel });
    this.waitSeconds.inc({ channel }, ms / 1000);
  };

  mount(app: Express): void {
    app
      .route('/metrics')
      .get((_req, res, next) => {
        this.registry.metrics().then((text) => {
          res.type(this.registry.contentType).send(text.replace(NAN_SAMPLE, ' NaN\n'));
        }, next);
      })
      .all(methodNotAllowed('GET'));
  }
}
