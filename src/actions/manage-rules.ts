import { z } from 'zod';
import { requirePermission } from '../access.js';
import type { Person, Severity, StakeholderTeam } from '../domain/types.js';
import { SEVERITIES } from '../domain/types.js';
import { HeraldError, invalid } from '../errors.js';
import type { SubscriptionRule } from '../ports.js';
import type { ActionContext } from './context.js';
import type { ResolvedTargets } from './resolve-targets.js';
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
  targets: ResolvedTargets;
}

const ruleNotFound = (id: number) =>
  new HeraldError('INVALID_INPUT', `There is no rule ${id}; see /stakeholders rule list.`, 'rule');

function view(ctx: ActionContext, rule: SubscriptionRule): RuleView {
  const { store } = ctx;
  return {
    id: rule.id,
    service: rule.service,
    severities: rule.severities,
    people: store.people.byIds(rule.personIds),
    teams: rule.teamIds.flatMap((id) => store.teams.byId(id) ?? []),
    createdAt: rule.createdAt,
  };
}

/**
 * Adds an auto-subscription rule: newly declared incidents matching its service and/or severities
 * subscribe its people and teams. Needs at least one condition and one target. Admins only.
 */
export function addRule(ctx: ActionContext, actor: Person, input: NewRuleInput): RuleView {
  requirePermission(actor, 'manage-rules');
  const data = validate(conditions, {
    service: input.service ?? null,
    severities: input.severities ?? null,
  });
  if (data.service === null && data.severities === null) {
    throw invalid('Give a service and/or severities: a rule needs a condition.', 'service');
  }
  const { people, teams } = input.targets;
  if (people.length === 0 && teams.length === 0) {
    throw invalid('Name at least one person, team or email for the rule.', 'targets');
  }
  const { store, clock } = ctx;
  return store.transaction(() => {
    const now = clock.now();
    const rule = store.rules.create(
      {
        ...data,
        personIds: people.map((p) => p.id),
        teamIds: teams.map((t) => t.id),
        createdBy: actor.id,
      },
      now,
    );
    store.audit.record(
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
export function listRules(ctx: ActionContext, actor: Person): RuleView[] {
  requirePermission(actor, 'manage-rules');
  return ctx.store.rules.list().map((rule) => view(ctx, rule));
}

/** Deletes a rule; incidents it already subscribed stay subscribed. Admins only. */
export function removeRule(ctx: ActionContext, actor: Person, ruleId: number): RuleView {
  requirePermission(actor, 'manage-rules');
  const { store, clock } = ctx;
  return store.transaction(() => {
    const rule = store.rules.byId(ruleId);
    if (!rule) throw ruleNotFound(ruleId);
    const removed = view(ctx, rule);
    store.rules.delete(ruleId);
    store.audit.record(
      { actorId: actor.id, action: 'rule.removed', detail: { ruleId } },
      clock.now(),
    );
    return removed;
  });
}
