import { incidentFor } from '../access.js';
import type { Incident, Person, StakeholderTeam } from '../domain/types.js';
import { HeraldError, invalid } from '../errors.js';
import { fanOut, type FanOutSummary } from '../notify/fan-out.js';
import type { ActionContext } from './context.js';
import type { ResolvedTargets } from './resolve-targets.js';

export interface SubscribeResult {
  incident: Incident;
  /** People subscribed directly by this call. */
  people: Person[];
  teams: StakeholderTeam[];
  /** Recipients who were not reachable before and are now, and so were told. */
  newlyNotified: number;
  /** Of those, how many came only through a team. */
  viaTeams: number;
  alreadySubscribed: number;
  notified: FanOutSummary;
}

export const alreadyResolved = (id: number) =>
  new HeraldError('ALREADY_RESOLVED', `Incident #${id} is already resolved.`);

/**
 * The body of a subscription, without permission checks or audit: adds the subscriptions and
 * writes the `subscribed` notification for recipients who were not reachable before. Must run
 * inside the caller's transaction; the caller calls `ctx.onQueued()` once it commits. Shared by
 * {@link subscribeToIncident} and the auto-subscription rules.
 *
 * @param by who is named as having subscribed them (`addedBy` and the message's author).
 */
export function addSubscriptions(
  ctx: ActionContext,
  incident: Incident,
  targets: ResolvedTargets,
  by: Person | null,
  now: number,
): Omit<SubscribeResult, 'incident'> & { recipientIds: number[] } {
  const { store } = ctx;
  const incidentId = incident.id;
  const before = new Set(store.subscriptions.recipientIds(incidentId));
  const addedBy = by?.id ?? null;
  const people = targets.people.filter((p) =>
    store.subscriptions.addPerson(incidentId, p.id, addedBy, now),
  );
  const teams = targets.teams.filter((t) =>
    store.subscriptions.addTeam(incidentId, t.id, addedBy, now),
  );
  const newIds = store.subscriptions.recipientIds(incidentId).filter((id) => !before.has(id));
  const direct = new Set(people.map((p) => p.id));
  const notified = fanOut(
    store,
    ctx.channels,
    { incident, kind: 'subscribed', text: null, by, now },
    store.people.byIds(newIds),
  );
  return {
    people,
    teams,
    recipientIds: newIds,
    newlyNotified: newIds.length,
    viaTeams: newIds.filter((id) => !direct.has(id)).length,
    alreadySubscribed: targets.people.length + targets.teams.length - people.length - teams.length,
    notified,
  };
}

/**
 * Subscribes people and teams. Only recipients who were not already reachable are told (a team:
 * its members not yet subscribed); re-subscribing sends nothing.
 */
export function subscribeToIncident(
  ctx: ActionContext,
  actor: Person,
  incidentId: number,
  targets: ResolvedTargets,
): SubscribeResult {
  if (targets.people.length === 0 && targets.teams.length === 0) {
    throw invalid('Name at least one person, team or email to subscribe.', 'targets');
  }
  const { store, clock } = ctx;
  const result = store.transaction(() => {
    const incident = incidentFor(store, actor, incidentId, 'edit-incident');
    if (incident.status === 'resolved') throw alreadyResolved(incidentId);
    const now = clock.now();
    const { recipientIds, ...added } = addSubscriptions(ctx, incident, targets, actor, now);
    store.audit.record(
      {
        actorId: actor.id,
        action: 'incident.subscribed',
        incidentId,
        detail: {
          people: added.people.map((p) => p.id),
          teams: added.teams.map((t) => t.name),
          notified: recipientIds.length,
        },
      },
      now,
    );
    return { incident, ...added };
  });
  if (result.notified.eventId !== null) ctx.onQueued();
  return result;
}
