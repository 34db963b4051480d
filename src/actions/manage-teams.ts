import { requirePermission } from '../access.js';
import type { Person, StakeholderTeam } from '../domain/types.js';
import { HeraldError } from '../errors.js';
import type { ActionContext } from './context.js';
import { teamNotFound, type ResolvedTargets } from './resolve-targets.js';
import { optionalLongText, teamName, validate } from './validate.js';

function findTeam(ctx: ActionContext, name: string): StakeholderTeam {
  const team = ctx.store.teams.byName(name);
  if (!team) throw teamNotFound(name);
  return team;
}

const taken = (name: string) =>
  new HeraldError('TEAM_EXISTS', `A stakeholder team named "${name}" already exists.`, 'name');

/** Lists teams with their member counts (admins and responders: they subscribe teams). */
export function listTeams(ctx: ActionContext, actor: Person) {
  requirePermission(actor, 'see-all-incidents');
  return ctx.store.teams.list();
}

export function showTeam(ctx: ActionContext, actor: Person, name: string) {
  requirePermission(actor, 'see-all-incidents');
  const team = findTeam(ctx, name);
  return { team, members: ctx.store.teams.members(team.id) };
}

/** Creates a team; names are unique case-insensitively. Admins only. */
export function createTeam(
  ctx: ActionContext,
  actor: Person,
  input: { name: string; description?: string; members?: ResolvedTargets['people'] },
): StakeholderTeam {
  requirePermission(actor, 'manage-teams');
  const name = validate(teamName, input.name, 'name');
  const description = validate(optionalLongText(500), input.description ?? '', 'description');
  const { store, clock } = ctx;
  return store.transaction(() => {
    if (store.teams.byName(name)) throw taken(name);
    const now = clock.now();
    const team = store.teams.create(name, description, now);
    store.teams.addMembers(
      team.id,
      (input.members ?? []).map((p) => p.id),
      now,
    );
    store.audit.record({ actorId: actor.id, action: 'team.created', detail: { team: name } }, now);
    return team;
  });
}

/** Renames a team or changes its description. Admins only. */
export function editTeam(
  ctx: ActionContext,
  actor: Person,
  currentName: string,
  patch: { name?: string; description?: string },
): StakeholderTeam {
  requirePermission(actor, 'manage-teams');
  const name = patch.name === undefined ? undefined : validate(teamName, patch.name, 'name');
  const description =
    patch.description === undefined
      ? undefined
      : validate(optionalLongText(500), patch.description, 'description');
  const { store, clock } = ctx;
  return store.transaction(() => {
    const team = findTeam(ctx, currentName);
    const clash = name === undefined ? null : store.teams.byName(name);
    if (clash && clash.id !== team.id) throw taken(name ?? '');
    const updated = store.teams.update(team.id, {
      ...(name === undefined ? {} : { name }),
      ...(description === undefined ? {} : { description }),
    });
    store.audit.record(
      { actorId: actor.id, action: 'team.edited', detail: { team: team.name, name, description } },
      clock.now(),
    );
    return updated;
  });
}

/** Deletes a team and its subscriptions. Admins only. */
export function deleteTeam(ctx: ActionContext, actor: Person, name: string): StakeholderTeam {
  requirePermission(actor, 'manage-teams');
  const { store, clock } = ctx;
  return store.transaction(() => {
    const team = findTeam(ctx, name);
    store.teams.delete(team.id);
    store.audit.record(
      { actorId: actor.id, action: 'team.deleted', detail: { team: team.name } },
      clock.now(),
    );
    return team;
  });
}

/**
 * Adds or removes members. Membership is live: subscribed incidents reach the new members from
 * their next notification on. Admins only.
 */
export function changeTeamMembers(
  ctx: ActionContext,
  actor: Person,
  name: string,
  change: { add?: readonly Person[]; remove?: readonly Person[] },
): { team: StakeholderTeam; added: number[]; removed: number[] } {
  requirePermission(actor, 'manage-teams');
  const { store, clock } = ctx;
  return store.transaction(() => {
    const team = findTeam(ctx, name);
    const now = clock.now();
    const added = store.teams.addMembers(
      team.id,
      (change.add ?? []).map((p) => p.id),
      now,
    );
    const removed = store.teams.removeMembers(
      team.id,
      (change.remove ?? []).map((p) => p.id),
    );
    store.audit.record(
      { actorId: actor.id, action: 'team.members', detail: { team: team.name, added, removed } },
      now,
    );
    return { team, added, removed };
  });
}

/** Replaces a team's members with exactly these people (the admin modal's multi-select). */
export function setTeamMembers(
  ctx: ActionContext,
  actor: Person,
  name: string,
  members: readonly Person[],
): { team: StakeholderTeam; added: number[]; removed: number[] } {
  requirePermission(actor, 'manage-teams');
  return ctx.store.transaction(() => {
    const team = findTeam(ctx, name);
    const keep = new Set(members.map((p) => p.id));
    const remove = ctx.store.teams.members(team.id).filter((p) => !keep.has(p.id));
    return changeTeamMembers(ctx, actor, name, { add: members, remove });
  });
}
