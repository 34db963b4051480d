import { incidentLinker } from '../../src/stakeholder-link.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTasks } from 'node-cron';
import { afterEach, describe, expect, it } from 'vitest';
import { createReminderDoor } from '../../adapters/cron/index.js';
import type { SqliteExecutor } from '../../db/sqlite-executor.js';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import { loadConfig } from '../../src/config.js';
import type { DeliveryJob, Messenger } from '../../src/delivery/ports.js';
import { silentLogger } from '../../src/logger.js';
import { startHerald, type Herald } from '../../src/main.js';
import { coreHarness, targets } from '../support/core.js';
import { eventually } from '../support/eventually.js';

let herald: Herald | undefined;
let dir: string | undefined;
afterEach(async () => {
  await herald?.stop();
  herald = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const reminderTasks = () => [...getTasks().values()].filter((t) => t.name === 'herald-reminders');

describe('the reminder door', () => {
  it('is off with REMINDER_MINUTES=0', async () => {
    const h = coreHarness();
    try {
      const door = await createReminderDoor({
        config: loadConfig({ REMINDER_MINUTES: '0' }),
        ctx: h.ctx,
        clock: h.clock,
        incidentLink: incidentLinker('x'.repeat(32), 'http://localhost:3000', Date.now),
        logger: silentLogger,
        secret: 'x'.repeat(32),
      });
      expect(door).toBeNull();
    } finally {
      await h.close();
    }
  });

  it('schedules every minute while Herald runs, reminds through the worker, and is gone after stop', async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-cron-'));
    const got: DeliveryJob[] = [];
    const email: Messenger = {
      channel: 'email',
      limits: [],
      send: (job) => {
        got.push(job);
        return Promise.resolve();
      },
    };
    herald = await startHerald(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_PATH: join(dir, 'h.db'),
        REMINDER_MINUTES: '5',
      }),
      { doors: [createReminderDoor], logger: silentLogger, messengers: { email } },
    );
    const [task] = reminderTasks();
    expect(reminderTasks()).toHaveLength(1);
    expect(task!.getPattern()).toBe('* * * * *');

    const { ctx } = herald;
    // Herald on SQLite: the executor gives the raw connection for the test's own SQL.
    expect(herald.db.dialect).toBe('sqlite');
    const db = (herald.db as SqliteExecutor).sqlite;
    const rita = await ctx.store.people.create(
      { displayName: 'Rita', email: 'rita@corp.example', role: 'responder' },
      Date.now(),
    );
    const ann = await ctx.store.people.create(
      { displayName: 'Ann', email: 'ann@x.example' },
      Date.now(),
    );
    const { incident } = await declareIncident(ctx, rita, {
      title: 'Checkout errors',
      source: 'slack',
    });
    await subscribeToIncident(ctx, rita, {
      incidentId: incident.id,
      targets: targets({ people: [ann] }),
    });
    const reminderEvents = () =>
      db.prepare(`SELECT count(*) AS n FROM notification_events WHERE kind = 'reminder'`).get();
    // Not due yet: a tick now writes nothing.
    await task!.execute();
    expect(reminderEvents()).toEqual({ n: 0 });
    // Six minutes of silence, without waiting for them.
    db.prepare('UPDATE incidents SET created_at = ? WHERE id = ?').run(
      Date.now() - 6 * 60_000,
      incident.id,
    );
    await task!.execute();
    await eventually(() =>
      expect(got.map((j) => `${j.person.displayName}/${j.event.payload.kind}`).sort()).toEqual([
        'Ann/subscribed',
        'Rita/reminder',
      ]),
    );
    expect(reminderEvents()).toEqual({ n: 1 });

    await herald.stop();
    herald = undefined;
    expect(reminderTasks()).toEqual([]);
  });
});
