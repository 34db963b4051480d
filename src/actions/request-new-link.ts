import { createHash } from 'node:crypto';
import type { Person } from '../domain/types.js';
import type { ActionContext } from './context.js';
import { myIncidents, type StakeholderIncident } from './stakeholder-view.js';
import { email as emailSchema, validate } from './validate.js';

const HOUR_MS = 60 * 60 * 1000;
/** Per address: enough for a reader who lost a mail or two, too few to flood an inbox. */
export const NEW_LINK_PER_ADDRESS = 3;
/** Per client (IP): enough for an office behind one address, too few to probe many addresses. */
export const NEW_LINK_PER_CLIENT = 10;
export const NEW_LINK_WINDOW_MS = HOUR_MS;

/** Who gets fresh links, and to which incidents (each link is bound to one). */
export interface NewLinks {
  person: Person & { email: string };
  incidents: StakeholderIncident[];
}

/** `accepted` whether or not the address is known: the answer never says which. */
export type NewLinkOutcome = 'accepted' | 'limited';

/** Counter keys hold hashes: the table never lists the addresses strangers typed. */
const keyOf = (kind: string, value: string): string =>
  `new-link:${kind}:${createHash('sha256').update(value).digest('base64url')}`;

/**
 * "Email me a new link". The address is checked for shape, then counted against its limit and the
 * client's — before anyone is looked up, so a known and an unknown address are limited alike and
 * answered alike. The counters are in the database: the limit holds for all replicas together.
 * A person Herald knows by that address who follows open or recently resolved incidents gets
 * `send` called with them; the door sends the mail after answering, so the answer's timing does
 * not tell either.
 */
export async function requestNewLink(
  ctx: ActionContext,
  request: { email: unknown; client: string },
  send: (links: NewLinks) => void,
): Promise<NewLinkOutcome> {
  const address = validate(emailSchema, request.email, 'email');
  const { store, clock } = ctx;
  const now = clock.now();
  const byAddress = await store.rateLimits.hit(keyOf('address', address), now, NEW_LINK_WINDOW_MS);
  const byClient = await store.rateLimits.hit(
    keyOf('client', request.client),
    now,
    NEW_LINK_WINDOW_MS,
  );
  if (byAddress > NEW_LINK_PER_ADDRESS || byClient > NEW_LINK_PER_CLIENT) return 'limited';
  if (byAddress === 1) await store.rateLimits.prune(now);
  const person = await store.people.byEmail(address);
  if (!person?.email) return 'accepted';
  const { open, resolved } = await myIncidents(ctx, person);
  if (open.length + resolved.length > 0) {
    send({ person: { ...person, email: person.email }, incidents: [...open, ...resolved] });
  }
  return 'accepted';
}
