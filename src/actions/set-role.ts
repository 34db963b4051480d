import { requirePermission } from '../access.js';
import type { Person, Role } from '../domain/types.js';
import type { Target } from '../domain/targets.js';
import { HeraldError } from '../errors.js';
import type { ActionContext } from './context.js';
import { meetTargets, resolveTargets } from './resolve-targets.js';

/**
 * Grants a role (admins only). The choice is explicit: later platform sync (a Slack guest flag,
 * `RESPONDER_POLICY`) no longer changes it. The last admin cannot step down. An unknown address
 * becomes an email-only person with that role.
 */
export async function setRole(
  ctx: ActionContext,
  actor: Person,
  input: { target: Target; role: Role },
): Promise<Person> {
  requirePermission(actor, 'manage-roles');
  const { target, role } = input;
  if (target.kind === 'team') {
    throw new HeraldError('INVALID_INPUT', 'Name a person here, not a team.', 'target');
  }
  const met = await meetTargets(ctx, [target]);
  const { store, clock } = ctx;
  return store.transaction(async () => {
    const [current] = (await resolveTargets(ctx, [target], met)).people;
    if (!current) throw new HeraldError('PERSON_NOT_FOUND', 'No such person.', 'target');
    if (
      current.role === 'admin' &&
      role !== 'admin' &&
      (await store.people.countByRole('admin')) <= 1
    ) {
      throw new HeraldError(
        'INVALID_INPUT',
        'Herald needs at least one admin; promote someone else first.',
        'role',
      );
    }
    const person = await store.people.update(current.id, { role, roleExplicit: true });
    await store.audit.record(
      {
        actorId: actor.id,
        action: 'role.set',
        detail: { person: current.id, from: current.role, to: role },
      },
      clock.now(),
    );
    return person;
  });
}
