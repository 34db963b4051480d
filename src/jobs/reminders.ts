import type { ActionContext } from '../actions/context.js';
import type { Channel, Incident, Person } from '../domain/types.js';
import { reachOf } from '../domain/types.js';
import { reaches } from '../notify/channels.js';
import { fanOut } from '../notify/fan-out.js';

const JOB_LEASE = 'job:reminders';
/** Longer than the minute between runs, so a running holder never loses it. */
const JOB_LEASE_MS = 150_000;

/** Open incidents looked at per run: far more than any organisation has open at once. */
const SCAN_LIMIT = 10_000;
/** A reminder is a nudge to act: the first chat channel that reaches the declarer, else email. */
const REMINDER_CHANNELS: readonly Channel[] = ['slack', 'teams', 'email'];

export interface ReminderResult {
  /** Incidents whose declarer was reminded in this run. */
  reminded: number[];
}

/**
 * Whether an incident is due a reminder at `now`: open, and its last stakeholder update (or its
 * creation) and its last reminder both at least a full window ago. A stakeholder update restarts
 * the window, so the first reminder after it comes a full window after the update.
 */
export function reminderDue(incident: Incident, now: number, windowMs: number): boolean {
  if (incident.status !== 'open') return false;
  const since = incident.lastStakeholderUpdateAt ?? incident.createdAt;
  if (now - since < windowMs) return false;
  const last = incident.lastReminderAt;
  return last === null || now - last >= windowMs;
}

/** The one channel a reminder goes by, or null when nothing reaches the declarer. */
function reminderChannel(person: Person, enabled: ReadonlySet<Channel>): Channel | null {
  return REMINDER_CHANNELS.find((c) => reaches(reachOf(person), c, enabled)) ?? null;
}

/**
 * PRODUCT §2 update reminders: for each open incident that has stakeholders and no stakeholder
 * update for `minutes`, nudges its declarer once per window with a `reminder` notification by
 * Slack if it reaches them, else Teams, else email. Each incident is checked again and reminded in
 * its own transaction, so two schedulers running at once cannot both send one. Incidents without a
 * declarer, or whose declarer no channel reaches (the API's system person), are skipped.
 */
export async function runReminders(
  ctx: ActionContext,
  now: number,
  minutes: number,
): Promise<ReminderResult> {
  const windowMs = minutes * 60_000;
  const reminded: number[] = [];
  if (minutes <= 0) return { reminded };
  const { store } = ctx;
  // One process at a time runs the job: the lease passes to another only once its holder stops
  // renewing it (each run renews it; runs are a minute apart).
  if (!(await store.leases.acquire(JOB_LEASE, ctx.replica ?? 'local', now, JOB_LEASE_MS))) {
    return { reminded };
  }
  for (const candidate of await store.incidents.list({ status: 'open', limit: SCAN_LIMIT })) {
    if (!reminderDue(candidate, now, windowMs) || candidate.declaredBy === null) continue;
    const sent = await store.transaction(async () => {
      // Belt and braces: two runs overlapping at a lease's handover still nudge once.
      await store.lock(`reminder:${candidate.id}`);
      const incident = await store.incidents.byId(candidate.id);
      if (!incident || !reminderDue(incident, now, windowMs) || incident.declaredBy === null) {
        return false;
      }
      if ((await store.subscriptions.recipientIds(incident.id)).length === 0) return false;
      const declarer = await store.people.byId(incident.declaredBy);
      const channel = declarer && reminderChannel(declarer, ctx.channels);
      if (!declarer || !channel) return false;
      const updated = await store.incidents.update(incident.id, { lastReminderAt: now });
      const since = incident.lastStakeholderUpdateAt ?? incident.createdAt;
      const quiet = Math.floor((now - since) / 60_000);
      // The declarer's stakeholder preferences are for being told about incidents; a reminder is
      // a work nudge, so the channel is chosen here and fanOut is handed exactly that one.
      await fanOut(
        store,
        ctx.channels,
        {
          incident: updated,
          kind: 'reminder',
          text: `Stakeholders have had no update on #${incident.id} for ${quiet} minutes. Send one with /incident notify ${incident.id} <text>.`,
          by: null,
          now,
        },
        [{ ...reachOf(declarer), preferences: [channel] }],
      );
      await store.audit.record(
        {
          actorId: null,
          action: 'incident.reminder',
          incidentId: incident.id,
          detail: { personId: declarer.id, channel },
        },
        now,
      );
      return true;
    });
    if (sent) reminded.push(candidate.id);
  }
  if (reminded.length > 0) ctx.onQueued();
  return { reminded };
}
