import { incidentFor } from '../access.js';
import type { Incident, Person, StakeholderTeam } from '../domain/types.js';
import type { Target } from '../domain/targets.js';
import { HeraldError, invalid, notFound } from '../errors.js';
import { fanOut, type FanOutSummary } from '../notify/fan-out.js';
import type { ActionContext } from './context.js';
import { meetTargets, resolveTargets, type ResolvedTargets } from './resolve-targets.js';
import { MAX, optionalLongText, validate } from './validate.js';

export interface SubscribeInput {
  incidentId: number;
  targets: readonly Target[];
  /** The stakeholder summary to set first, in the same transaction (the subscribe modal's field). */
  summary?: string;
}

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

/** The incident as it is now, inside a transaction; an open one is required for changes. */
export async function openIncident(ctx: ActionContext, id: number): Promise<Incident> {
  const incident = await ctx.store.incidents.byId(id);
  if (!incident) throw notFound(id);
  if (incident.status === 'resolved') throw alreadyResolved(id);
  return incident;
}

/**
 * The body of a subscription, without permission checks or audit: adds the subscriptions and
 * writes the `subscribed` notification for recipients who were not reachable before. Must run
 * inside the caller's transaction; the caller calls `ctx.onQueued()` once it commits. Shared by
 * {@link subscribeToIncident} and the auto-subscription rules.
 *
 * @param by who is named as having subscribed them (`addedBy` and the message's author).
 */
export async function addSubscriptions(
  ctx: ActionContext,
  incident: Incident,
  targets: ResolvedTargets,
  by: Person | null,
  now: number,
): Promise<Omit<SubscribeResult, 'incident'> & { recipientIds: number[] }> {
  const { store } = ctx;
  const incidentId = incident.id;
  const before = new Set(await store.subscriptions.recipientIds(incidentId));
  const addedBy = by?.id ?? null;
  const people: Person[] = [];
  for (const p of targets.people) {
    if (await store.subscriptions.addPerson(incidentId, p.id, addedBy, now)) people.push(p);
  }
  const teams: StakeholderTeam[] = [];
  for (const t of targets.teams) {
    if (await store.subscriptions.addTeam(incidentId, t.id, addedBy, now)) teams.push(t);
  }
  const newIds = (await store.subscriptions.recipientIds(incidentId)).filter(
    (id) => !before.has(id),
  );
  const direct = new Set(people.map((p) => p.id));
  const notified = await fanOut(
    store,
    ctx.channels,
    { incident, kind: 'subscribed', text: null, by, now },
    await store.people.reach(newIds),
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
 * Subscribes people and teams (responders and admins). Only recipients who were not already
 * reachable are told (a team: its members not yet subscribed); re-subscribing sends nothing.
 * People named by email or met through the door's directory are created in the same transaction,
 * so a refused or failed subscription leaves no one behind.
 */
export async function subscribeToIncident(
  ctx: ActionContext,
  actor: Person,
  input: SubscribeInput,
): Promise<SubscribeResult> {
  const { store, clock } = ctx;
  const { incidentId } = input;
  await incidentFor(store, actor, incidentId, 'edit-incident');
  if (input.targets.length === 0) {
    throw invalid('Name at least one person, team or email to subscribe.', 'targets');
  }
  const summary =
    input.summary === undefined
      ? undefined
      : validate(optionalLongText(MAX.text), input.summary, 'summary');
  const met = await meetTargets(ctx, input.targets);
  const result = await store.transaction(async () => {
    let incident = await openIncident(ctx, incidentId);
    const targets = await resolveTargets(ctx, input.targets, met);
    const now = clock.now();
    if (summary !== undefined && summary !== incident.summary) {
      incident = await store.incidents.update(incidentId, { summary });
      await store.audit.record({ actorId: actor.id, action: 'incident.summary', incidentId }, now);
    }
    const { recipientIds, ...added } = await addSubscriptions(ctx, incident, targets, actor, now);
    await store.audit.record(
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
