import { createTask, type ScheduledTask } from 'node-cron';
import { runReminders } from '../../src/jobs/reminders.js';
import type { Door, DoorFactory } from '../door.js';

/** Every minute: reminders are due at minute granularity (`REMINDER_MINUTES`). */
const EVERY_MINUTE = '* * * * *';

/**
 * The update-reminder door (PRODUCT §2): a node-cron task that runs {@link runReminders} every
 * minute with the injected clock. Off (`null`) when `REMINDER_MINUTES=0`.
 */
export const createReminderDoor: DoorFactory = ({ config, ctx, clock, logger }): Door | null => {
  const minutes = config.reminderMinutes;
  if (minutes === 0) return null;
  const log = logger.child({ door: 'reminders' });
  let task: ScheduledTask | null = null;
  const tick = async () => {
    try {
      const { reminded } = await runReminders(ctx, clock.now(), minutes);
      if (reminded.length > 0) log.info({ incidents: reminded }, 'update reminders queued');
    } catch (err) {
      // A failed run (database busy, say) is retried by the next tick; never crash the process.
      log.error({ err }, 'update reminders failed');
    }
  };
  return {
    name: 'reminders',
    async start() {
      // noOverlap: a slow run (a big fan-out) must not be joined by the next minute's.
      task = createTask(EVERY_MINUTE, tick, { name: 'herald-reminders', noOverlap: true });
      await task.start();
      log.info({ minutes }, 'update reminders: on');
    },
    async stop() {
      const t = task;
      task = null;
      if (!t) return;
      await t.stop();
      await t.destroy();
    },
  };
};
