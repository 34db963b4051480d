import type { Person } from '../domain/types.js';
import type { ActionContext } from './context.js';

/** Settings key holding the id of the person the intake API acts as. */
export const SYSTEM_ACTOR_KEY = 'system.api_person_id';
export const SYSTEM_ACTOR_NAME = 'Herald API';

/**
 * The person the intake API and the Alertmanager receiver act as: "Herald API", a responder with
 * no identity on any platform (so no one can log in as it and it is never linked by email).
 * Created on first use; its id is kept in the settings so later calls find the same person.
 */
export async function systemActor(ctx: ActionContext): Promise<Person> {
  const { store, clock } = ctx;
  // The common case is a plain read; the write transaction is only for the first call.
  const known = await store.people.byId(Number(await store.settings.get(SYSTEM_ACTOR_KEY)) || 0);
  if (known) return known;
  return store.transaction(async () => {
    // Processes starting together on one database make one system person between them.
    await store.lock(SYSTEM_ACTOR_KEY);
    const id = Number(await store.settings.get(SYSTEM_ACTOR_KEY));
    const existing = Number.isInteger(id) && id > 0 ? await store.people.byId(id) : null;
    if (existing) return existing;
    // Missing, or deleted by hand: make a new one rather than fail every API call.
    const person = await store.people.create(
      { displayName: SYSTEM_ACTOR_NAME, role: 'responder' },
      clock.now(),
    );
    await store.settings.set(SYSTEM_ACTOR_KEY, String(person.id));
    return person;
  });
}
