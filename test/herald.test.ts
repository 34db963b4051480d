import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { declareIncident } from '../src/actions/declare-incident.js';
import { postStatusUpdate } from '../src/actions/post-status-update.js';
import { subscribeToIncident } from '../src/actions/subscribe-to-incident.js';
import { loadConfig } from '../src/config.js';
import type { DeliveryJob, Messenger } from '../src/delivery/ports.js';
import { silentLogger } from '../src/logger.js';
import { startHerald, type Herald } from '../src/main.js';
import { eventually } from './support/eventually.js';
import { sqliteOf } from './support/outbox-fixture.js';

let herald: Herald | undefined;
let dir: string | undefined;
afterEach(async () => {
  await herald?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  herald = undefined;
});

/** A messenger that records what it is given and resolves a promise at a count. */
function recorder(channel: 'email') {
  const got: DeliveryJob[] = [];
  let want = 0;
  let done: () => void = () => undefined;
  const messenger: Messenger = {
    channel,
    limits: [],
    send: (job) => {
      got.push(job);
      if (got.length === want) done();
      return Promise.resolve();
    },
  };
  const waitFor = (n: number) =>
    new Promise<void>((resolve) => {
      want = n;
      done = resolve;
      if (got.length >= n) resolve();
    });
  return { messenger, got, waitFor };
}

describe('Herald wired together', () => {
  it('an action commits its outbox rows and the worker delivers them at once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-wired-'));
    const email = recorder('email');
    herald = await startHerald(
      loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_PATH: join(dir, 'h.db') }),
      {
        logger: silentLogger,
        messengers: { email: email.messenger },
        doors: [],
      },
    );
    const { ctx } = herald;
    const rita = await ctx.store.people.create(
      { displayName: 'Rita', role: 'responder' },
      Date.now(),
    );
    const ann = await ctx.store.people.create(
      { displayName: 'Ann', email: 'ann@x.example' },
      Date.now(),
    );
    const bob = await ctx.store.people.create({ displayName: 'Bob' }, Date.now());
    const { incident } = await declareIncident(ctx, rita, {
      title: 'Checkout errors',
      source: 'slack',
    });
    await subscribeToIncident(ctx, rita, {
      incidentId: incident.id,
      targets: [ann, bob].map((p) => ({ kind: 'person', personId: p.id })),
    });
    await postStatusUpdate(ctx, rita, {
      incidentId: incident.id,
      text: 'Fixed soon',
      notifyStakeholders: true,
    });
    await email.waitFor(2);
    expect(email.got.map((j) => [j.person.displayName, j.event.payload.kind])).toEqual([
      ['Ann', 'subscribed'],
      ['Ann', 'update'],
    ]);
    const db = sqliteOf(herald.db);
    const states = () =>
      db
        .prepare(
          'SELECT p.display_name AS who, d.channel, d.state FROM deliveries d JOIN people p ON p.id = d.person_id ORDER BY d.id',
        )
        .all();
    // Bob has no channel at all: recorded undeliverable so responders see it, never sent.
    await eventually(() =>
      expect(states()).toEqual([
        { who: 'Ann', channel: 'email', state: 'sent' },
        { who: 'Bob', channel: 'email', state: 'undeliverable' },
        { who: 'Ann', channel: 'email', state: 'sent' },
        { who: 'Bob', channel: 'email', state: 'undeliverable' },
      ]),
    );
  });
});
