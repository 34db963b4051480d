import type { Incident, Person, Role } from './domain/types.js';
import { forbidden, notFound } from './errors.js';
import type { Store } from './ports.js';

/** What each role may do (PRODUCT §1). Stakeholders may only read their own incidents. */
export type Permission =
  | 'declare'
  | 'edit-incident'
  | 'see-all-incidents'
  | 'delivery-status'
  | 'manage-teams'
  | 'manage-roles'
  | 'manage-rules'
  | 'others-preferences'
  /** The `/incident` and `/stakeholders` grammar in a Teams chat (stakeholders have their own). */
  | 'responder-commands';

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set<Permission>([
    'declare',
    'edit-incident',
    'see-all-incidents',
    'delivery-status',
    'manage-teams',
    'manage-roles',
    'manage-rules',
    'others-preferences',
    'responder-commands',
  ]),
  responder: new Set<Permission>([
    'declare',
    'edit-incident',
    'see-all-incidents',
    'delivery-status',
    'responder-commands',
  ]),
  stakeholder: new Set<Permission>(),
};

const WHAT: Record<Permission, string> = {
  declare: 'declare incidents',
  'edit-incident': 'change incidents',
  'see-all-incidents': 'see every incident',
  'delivery-status': 'see delivery status',
  'manage-teams': 'manage stakeholder teams',
  'manage-roles': 'change roles',
  'manage-rules': 'manage auto-subscription rules',
  'others-preferences': "change someone else's preferences",
  'responder-commands': 'use the incident and stakeholders commands',
};

export const can = (actor: Person, permission: Permission): boolean =>
  GRANTS[actor.role].has(permission);

export function requirePermission(actor: Person, permission: Permission): void {
  if (!can(actor, permission)) throw forbidden(WHAT[permission]);
}

/**
 * The incident as this actor may see it. For a stakeholder an incident they are not subscribed to
 * does not exist: the error is the very one a never-used number gets.
 */
export async function visibleIncident(store: Store, actor: Person, id: number): Promise<Incident> {
  const incident = await store.incidents.byId(id);
  if (!incident) throw notFound(id);
  if (!can(actor, 'see-all-incidents') && !(await store.subscriptions.isRecipient(id, actor.id))) {
    throw notFound(id);
  }
  return incident;
}

/** Visibility first, then the permission: a stakeholder learns nothing about other incidents. */
export async function incidentFor(
  store: Store,
  actor: Person,
  id: number,
  permission: Permission,
): Promise<Incident> {
  const incident = await visibleIncident(store, actor, id);
  requirePermission(actor, permission);
  return incident;
}
