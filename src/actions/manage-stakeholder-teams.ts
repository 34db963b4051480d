import { requirePermission } from '../access.js';
import type { Person, StakeholderTeam } from '../domain/types.js';
import type { Target } from '../domain/targets.js';
import { HeraldError } from '../errors.js';
import type { ActionContext } from './context.js';
import { meetTargets, resolveTargets, teamNotFound } from './resolve-targets.js';
import { optionalLongText, teamName, validate } from './validate.js';

async function findTeam(ctx: ActionContext, name: string): Promise<StakeholderTeam> {
  const team = await ctx.store.stakeholderTeams.byName(name);
  if (!team) throw teamNotFound(name);
  return team;
}

const taken = (name: string) =>
  new HeraldError('TEAM_EXISTS', `A stakeholder team named "${name}" already exists.`, 'name');

/** Teams hold people: a `team:` target among members is refused before anything is looked up. */
function peopleOnly(targets: readonly Target[]): void {
  if (targets.some((t) => t.kind === 'team')) {
    throw new HeraldError(
      'INVALID_INPUT',
      'Teams cannot be members of teams: name people or emails.',
      'targets',
    );
  }
}

/** People named as members: met through the directory first, created inside the caller's transaction. */
async function memberResolver(ctx: ActionContext, targets: readonly Target[], create: boolean) {
  peopleOnly(targets);
  const met = await meetTargets(ctx, targets);
  return async (): Promise<Person[]> =>
    (await resolveTargets(ctx, targets, met, { createByEmail: create })).people;
}

export interface MembershipChange {
  team: StakeholderTeam;
  added: number[];
  removed: number[];
}

/** Lists teams with their member counts (admins and responders: they subscribe teams). */
export async function listStakeholderTeams(
  ctx: ActionContext,
  actor: Person,
): Promise<Array<StakeholderTeam & { memberCount: number }>> {
  requirePermission(actor, 'see-all-incidents');
  return ctx.store.stakeholderTeams.list();
}

/** One team and its members (admins and responders). */
export async function showStakeholderTeam(
  ctx: ActionContext,
  actor: Person,
  name: string,
): Promise<{ team: StakeholderTeam; members: Person[] }> {
  requirePermission(actor, 'see-all-incidents');
  const team = await findTeam(ctx, name);
  return { team, members: await ctx.store.stakeholderTeams.members(team.id) };
}

/** Creates a team, with members if given; names are unique case-insensitively. Admins only. */
export async function createStakeholderTeam(
  ctx: ActionContext,
  actor: Person,
  input: { name: string; description?: string; members?: readonly Target[] },
): Promise<StakeholderTeam> {
  requirePermission(actor, 'manage-teams');
  const name = validate(teamName, input.name, 'name');
  const description = validate(optionalLongText(500), input.description ?? '', 'description');
  const members = await memberResolver(ctx, input.members ?? [], true);
  const { store, clock } = ctx;
  return store.transaction(async () => {
    if (await store.stakeholderTeams.byName(name)) throw taken(name);
    const now = clock.now();
    const team = await store.stakeholderTeams.create(name, description, now);
    await store.stakeholderTeams.addMembers(
      team.id,
      (await members()).map((p) => p.id),
      now,
    );
    await store.audit.record(
      { actorId: actor.id, action: 'team.created', detail: { team: name } },
      now,
    );
    return team;
  });
}

/**
 * Renames a team or changes its description, and with `members` replaces its members with
 * exactly those (the admin modal's editor). Admins only.
 */
export async function editStakeholderTeam(
  ctx: ActionContext,
  actor: Person,
  input: { team: string; name?: string; description?: string; members?: readonly Target[] },
): Promise<MembershipChange> {
  requirePermission(actor, 'manage-teams');
  const name = input.name === undefined ? undefined : validate(teamName, input.name, 'name');
  const description =
    input.description === undefined
      ? undefined
      : validate(optionalLongText(500), input.description, 'description');
  const members = input.members && (await memberResolver(ctx, input.members, true));
  const { store, clock } = ctx;
  return store.transaction(async () => {
    const team = await findTeam(ctx, input.team);
    const clash = name === undefined ? null : await store.stakeholderTeams.byName(name);
    if (clash && clash.id !== team.id) throw taken(name ?? '');
    const now = clock.now();
    const updated = await store.stakeholderTeams.update(team.id, {
      ...(name === undefined ? {} : { name }),
      ...(description === undefined ? {} : { description }),
    });
    let added: number[] = [];
    let removed: number[] = [];
    if (members) {
      const keep = await members();
      const keepIds = new Set(keep.map((p) => p.id));
      const current = await store.stakeholderTeams.members(team.id);
      added = await store.stakeholderTeams.addMembers(
        team.id,
        keep.map((p) => p.id),
        now,
      );
      removed = await store.stakeholderTeams.removeMembers(
        team.id,
        current.filter((p) => !keepIds.has(p.id)).map((p) => p.id),
      );
    }
    await store.audit.record(
      {
        actorId: actor.id,
        action: 'team.edited',
        detail: { team: team.name, name, description, added, removed },
      },
      now,
    );
    return { team: updated, added, removed };
  });
}

/** Deletes a team and its subscriptions. Admins only. */
export async function deleteStakeholderTeam(
  ctx: ActionContext,
  actor: Person,
  name: string,
): Promise<StakeholderTeam> {
  requirePermission(actor, 'manage-teams');
  const { store, clock } = ctx;
  return store.transaction(async () => {
    const team = await findTeam(ctx, name);
    await store.stakeholderTeams.delete(team.id);
    await store.audit.record(
      { actorId: actor.id, action: 'team.deleted', detail: { team: team.name } },
      clock.now(),
    );
    return team;
  });
}

/**
 * Adds or removes members. Membership is live: subscribed incidents reach the new members from
 * their next notification on. Adding an unknown address creates an email-only person; removing
 * one creates no one. Admins only.
 */
export async function changeStakeholderTeamMembers(
  ctx: ActionContext,
  actor: Person,
  input: { team: string; add?: readonly Target[]; remove?: readonly Target[] },
): Promise<MembershipChange> {
  requirePermission(actor, 'manage-teams');
  const toAdd = await memberResolver(ctx, input.add ?? [], true);
  const toRemove = await memberResolver(ctx, input.remove ?? [], false);
  const { store, clock } = ctx;
  return store.transaction(async () => {
    const team = await findTeam(ctx, input.team);
    const now = clock.now();
    const added = await store.stakeholderTeams.addMembers(
      team.id,
      (await toAdd()).map((p) => p.id),
      now,
    );
    const removed = await store.stakeholderTeams.removeMembers(
      team.id,
      (await toRemove()).map((p) => p.id),
    );
    await store.audit.record(
      { actorId: actor.id, action: 'team.members', detail: { team: team.name, added, removed } },
      now,
    );
    return { team, added, removed };
  });
}
