import { requirePermission } from '../access.js';
import type { Person, Role } from '../domain/types.js';
import { HeraldError } from '../errors.js';
import type { ActionContext } from './context.js';

/**
 * Grants a role (admins only). The choice is explicit: later platform sync (a Slack guest flag,
 * `RESPONDER_POLICY`) no longer changes it. The last admin cannot step down.
 */
export function setRole(ctx: ActionContext, actor: Person, target: Person, role: Role): Person {
  requirePermission(actor, 'manage-roles');
  const { store, clock } = ctx;
  return store.transaction(() => {
    const current = store.people.byId(target.id) ?? target;
    if (current.role === 'admin' && role !== 'admin' && store.people.countByRole('admin') <= 1) {
      throw new HeraldError(
        'INVALID_INPUT',
        'Herald needs at least one admin; promote someone else first.',
        'role',
      );
    }
    const person = store.people.update(target.id, { role, roleExplicit: true });
    store.audit.record(
      {
        actorId: actor.id,
        action: 'role.set',
        detail: { person: target.id, from: current.role, to: role },
      },
      clock.now(),
    );
    return person;
  });
}
