import { incidentFor, requirePermission } from '../access.js';
import type { Incident, Person, StakeholderTeam } from '../domain/types.js';
import type { FanOutSummary } from '../notify/fan-out.js';
import type { ActionContext } from './context.js';
import { listRules, type RuleView } from './manage-rules.js';
import { listStakeholderTeams, showStakeholderTeam } from './manage-stakeholder-teams.js';
import { previewAudience } from './preview-audience.js';
import { openIncident } from './subscribe-to-incident.js';

/**
 * What a form needs before it opens, for surfaces that have forms (Slack modals): each checks the
 * actor may use the form, so a refused one never opens, and gathers what it shows.
 */

/** The declare form (responders and admins). */
export function declareForm(actor: Person): void {
  requirePermission(actor, 'declare');
}

export async function subscribeForm(
  ctx: ActionContext,
  actor: Person,
  incidentId: number,
): Promise<{ incident: Incident; teams: StakeholderTeam[] }> {
  const incident = await incidentFor(ctx.store, actor, incidentId, 'edit-incident');
  return { incident, teams: await listStakeholderTeams(ctx, actor) };
}

export async function updateForm(
  ctx: ActionContext,
  actor: Person,
  incidentId: number,
): Promise<{ incident: Incident; audience: FanOutSummary }> {
  const incident = await incidentFor(ctx.store, actor, incidentId, 'edit-incident');
  return { incident, audience: await previewAudience(ctx, actor, incidentId) };
}

export async function resolveForm(
  ctx: ActionContext,
  actor: Person,
  incidentId: number,
): Promise<{ incident: Incident }> {
  await incidentFor(ctx.store, actor, incidentId, 'edit-incident');
  return { incident: await openIncident(ctx, incidentId) };
}

/** The stakeholder-team manager: every team (admins only). */
export async function stakeholderTeamsForm(
  ctx: ActionContext,
  actor: Person,
): Promise<Array<StakeholderTeam & { memberCount: number }>> {
  requirePermission(actor, 'manage-teams');
  return listStakeholderTeams(ctx, actor);
}

/** One team's editor (admins only); `null` for a new team. */
export async function stakeholderTeamForm(
  ctx: ActionContext,
  actor: Person,
  name: string | null,
): Promise<{ team: StakeholderTeam | null; members: Person[] }> {
  requirePermission(actor, 'manage-teams');
  if (name === null) return { team: null, members: [] };
  return showStakeholderTeam(ctx, actor, name);
}

/** The rules manager: every rule and the teams a new one may name (admins only). */
export async function rulesForm(
  ctx: ActionContext,
  actor: Person,
): Promise<{ rules: RuleView[]; teams: StakeholderTeam[] }> {
  return { rules: await listRules(ctx, actor), teams: await listStakeholderTeams(ctx, actor) };
}
