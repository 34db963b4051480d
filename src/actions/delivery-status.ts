import { incidentFor } from '../access.js';
import type { Channel, DeliveryState, Incident, Person } from '../domain/types.js';
import type { ActionContext } from './context.js';

export interface SubscriberStatus {
  person: Person;
  /** How they are subscribed: `direct` and/or team names. */
  via: string[];
  /** Last message per channel; empty when nothing was sent yet. */
  channels: Array<{ channel: Channel; state: DeliveryState; error: string | null; at: number }>;
}

export interface DeliveryStatusView {
  incident: Incident;
  subscribers: SubscriberStatus[];
}

/** Every current recipient with the channel and state of their last message (responders only). */
export async function deliveryStatus(
  ctx: ActionContext,
  actor: Person,
  incidentId: number,
): Promise<DeliveryStatusView> {
  const { store } = ctx;
  const incident = await incidentFor(store, actor, incidentId, 'delivery-status');
  const via = new Map<number, string[]>();
  const note = (personId: number, how: string) =>
    via.set(personId, [...(via.get(personId) ?? []), how]);
  for (const sub of await store.subscriptions.list(incidentId)) {
    if (sub.personId !== null) note(sub.personId, 'direct');
    if (sub.teamId !== null) {
      const team = await store.stakeholderTeams.byId(sub.teamId);
      for (const member of await store.stakeholderTeams.members(sub.teamId))
        note(member.id, `team:${team?.name ?? sub.teamId}`);
    }
  }
  const latest = await store.outbox.latestByPerson(incidentId);
  const people = await store.people.byIds([...via.keys()]);
  return {
    incident,
    subscribers: people
      .map((person) => ({
        person,
        via: via.get(person.id) ?? [],
        channels: latest
          .filter((d) => d.personId === person.id)
          .map((d) => ({ channel: d.channel, state: d.state, error: d.lastError, at: d.at })),
      }))
      .sort((a, b) => a.person.displayName.localeCompare(b.person.displayName)),
  };
}
