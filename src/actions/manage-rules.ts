import { z } from 'zod';
import { requirePermission } from '../access.js';
import type { Person, Severity, StakeholderTeam } from '../domain/types.js';
import { SEVERITIES } from '../domain/types.js';
import { HeraldError, invalid } from '../errors.js';
import type { SubscriptionRule } from '../ports.js';
import type { ActionContext } from './context.js';
import type { Target } from '../domain/targets.js';
import { meetTargets, resolveTargets } from './resolve-targets.js';
import { serviceName, validate } from './validate.js';

/** A rule with its targets resolved, for replies and the rules modal. */
export interface RuleView {
  id: number;
  service: string | null;
  severities: Severity[] | null;
  people: Person[];
  teams: StakeholderTeam[];
  createdAt: number;
}

const conditions = z.object({
  service: serviceName.nullish().transform((s) => s ?? null),
  // Canonical order, duplicates dropped; an empty set means "any severity", like no set at all.
  severities: z
    .array(z.enum(SEVERITIES))
    .nullish()
    .transform((list) => {
      const set = SEVERITIES.filter((s) => list?.includes(s));
      return set.length > 0 ? set : null;
    }),
});

export interface NewRuleInput {
  service?: string | null;
  severities?: readonly Severity[] | null;
  targets: readonly Target[];
}

const ruleNotFound = (id: number) =>
  new HeraldError('INVALID_INPUT', `There is no rule ${id}; see /stakeholders rule list.`, 'rule');

async function view(ctx: ActionContext, rule: SubscriptionRule): Promise<RuleView> {
  const { store } = ctx;
  const teams: StakeholderTeam[] = [];
  for (const id of rule.teamIds) {
    const team = await store.stakeholderTeams.byId(id);
    if (team) teams.push(team);
  }
  return {
    id: rule.id,
    service: rule.service,
    severities: rule.severities,
    people: await store.people.byIds(rule.personIds),
    teams,
    createdAt: rule.createdAt,
  };
}

/**
 * Adds an auto-subscription rule: newly declared incidents matching its service and/or severities
 * subscribe its people and teams. Needs at least one condition and one target. Admins only.
 */
export async function addRule(
  ctx: ActionContext,
  actor: Person,
  input: NewRuleInput,
): Promise<RuleView> {
  requirePermission(actor, 'manage-rules');
  const data = validate(conditions, {
    service: input.service ?? null,
    severities: input.severities ?? null,
  });
  if (data.service === null && data.severities === null) {
    throw invalid('Give a service and/or severities: a rule needs a condition.', 'service');
  }
  if (input.targets.length === 0) {
    throw invalid('Name at least one person, team or email for the rule.', 'targets');
  }
  const met = await meetTargets(ctx, input.targets);
  const { store, clock } = ctx;
  return store.transaction(async () => {
    const { people, teams } = await resolveTargets(ctx, input.targets, met);
    const now = clock.now();
    const rule = await store.rules.create(
      {
        ...data,
        personIds: people.map((p) => p.id),
        teamIds: teams.map((t) => t.id),
        createdBy: actor.id,
      },
      now,
    );
    await store.audit.record(
      {
        actorId: actor.id,
        action: 'rule.added',
        detail: {
          ruleId: rule.id,
          service: rule.service,
          severities: rule.severities,
          people: rule.personIds,
          teams: teams.map((t) => t.name),
        },
      },
      now,
    );
    return view(ctx, rule);
  });
}

/** Every rule, oldest first. Admins only. */
export async function listRules(ctx: ActionContext, actor: Person): Promise<RuleView[]> {
  requirePermission(actor, 'manage-rules');
  const views: RuleView[] = [];
  for (const rule of await ctx.store.rules.list()) views.push(await view(ctx, rule));
  return views;
}

/** Deletes a rule; incidents it already subscribed stay subscribed. Admins only. */
export async function removeRule(
  ctx: ActionContext,
  actor: Person,
  ruleId: number,
): Promise<RuleView> {
  requirePermission(actor, 'manage-rules');
  const { store, clock } = ctx;
  return store.transaction(async () => {
    const rule = await store.rules.byId(ruleId);
    if (!rule) throw ruleNotFound(ruleId);
    const removed = await view(ctx, rule);
    await store.rules.delete(ruleId);
    await store.audit.record(
      { actorId: actor.id, action: 'rule.removed', detail: { ruleId } },
      clock.now(),
    );
    return removed;
  });
}
