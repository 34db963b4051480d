import type { Channel, EventKind, Incident, Person, Reach } from '../domain/types.js';
import type { NewDelivery, Store } from '../ports.js';
import { planFor } from './channels.js';

export interface FanOutSummary {
  eventId: number | null;
  people: number;
  byChannel: Record<Channel, number>;
  undeliverable: number;
}

export const emptySummary = (): FanOutSummary => ({
  eventId: null,
  people: 0,
  byChannel: { slack: 0, teams: 0, email: 0 },
  undeliverable: 0,
});

/** Counts what a plan would send, without writing anything (the update modal's preview). */
export function summarize(plans: readonly NewDelivery[], people: number): FanOutSummary {
  const summary = emptySummary();
  summary.people = people;
  const unreached = new Set<number>();
  const reached = new Set<number>();
  for (const d of plans) {
    if (d.state === 'pending') {
      summary.byChannel[d.channel] += 1;
      reached.add(d.personId);
    } else unreached.add(d.personId);
  }
  summary.undeliverable = [...unreached].filter((id) => !reached.has(id)).length;
  return summary;
}

/**
 * Writes one notification event and its deliveries for `recipients`. Must run inside the action's
 * transaction: the outbox row and the change that caused it commit together or not at all.
 */
export async function fanOut(
  store: Store,
  enabled: ReadonlySet<Channel>,
  event: {
    incident: Incident;
    kind: EventKind;
    text: string | null;
    by: Person | null;
    now: number;
  },
  recipients: readonly Reach[],
): Promise<FanOutSummary> {
  if (recipients.length === 0) return emptySummary();
  const plans = recipients.flatMap((p) => planFor(p, enabled));
  const { incident } = event;
  const { event: written } = await store.outbox.enqueue(
    incident.id,
    {
      kind: event.kind,
      incident: {
        id: incident.id,
        title: incident.title,
        summary: incident.summary,
        severity: incident.severity,
        service: incident.service,
        status: incident.status,
      },
      text: event.text,
      at: event.now,
      by: event.by?.displayName ?? null,
    },
    plans,
    event.now,
  );
  return { ...summarize(plans, recipients.length), eventId: written.id };
}
