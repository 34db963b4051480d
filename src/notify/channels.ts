import type { Channel, Reach } from '../domain/types.js';
import { CHAT_CHANNELS } from '../domain/types.js';
import type { NewDelivery } from '../ports.js';

/** Can this channel reach the person, given which channels Herald has turned on? */
export function reaches(person: Reach, channel: Channel, enabled: ReadonlySet<Channel>): boolean {
  return enabled.has(channel) && person[channel];
}

/** PRODUCT §3: every chat channel that reaches the person; email when none does. */
export function defaultPreferences(person: Reach, enabled: ReadonlySet<Channel>): Channel[] {
  const chat = CHAT_CHANNELS.filter((c) => reaches(person, c, enabled));
  return chat.length > 0 ? chat : ['email'];
}

export const effectivePreferences = (person: Reach, enabled: ReadonlySet<Channel>): Channel[] =>
  person.preferences ?? defaultPreferences(person, enabled);

/**
 * The deliveries one event makes for one person: each preferred channel that reaches them; one that
 * does not falls back to email when an address is known, else is recorded `undeliverable` so
 * responders see it. At most one delivery per channel.
 */
export function planFor(person: Reach, enabled: ReadonlySet<Channel>): NewDelivery[] {
  const planned = new Map<Channel, NewDelivery>();
  const add = (d: NewDelivery) => {
    const existing = planned.get(d.channel);
    if (!existing || (existing.state === 'undeliverable' && d.state === 'pending'))
      planned.set(d.channel, d);
  };
  for (const channel of effectivePreferences(person, enabled)) {
    if (reaches(person, channel, enabled)) {
      add({ personId: person.id, channel, state: 'pending' });
    } else if (channel !== 'email' && reaches(person, 'email', enabled)) {
      add({ personId: person.id, channel: 'email', state: 'pending' });
    } else {
      add({
        personId: person.id,
        channel,
        state: 'undeliverable',
        lastError: unreachableReason(person, channel, enabled),
      });
    }
  }
  return [...planned.values()];
}

function unreachableReason(person: Reach, channel: Channel, enabled: ReadonlySet<Channel>): string {
  if (!enabled.has(channel))
    return `the ${channel} channel is not configured and no fallback is possible`;
  if (channel === 'email') return 'no email address known';
  return `not reachable on ${channel} and no email address known`;
}
