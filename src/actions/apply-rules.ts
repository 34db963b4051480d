import type { Incident, StakeholderTeam } from '../domain/types.js';
import type { FanOutSummary } from '../notify/fan-out.js';
import type { SubscriptionRule } from '../ports.js';
import type { ActionContext } from './context.js';
import { addSubscriptions } from './subscribe-to-incident.js';

/**
 * Whether a rule applies to an incident: every condition the rule sets must hold — the service
 * equal case-insensitively, the severity in the rule's set. A rule with no condition matches
 * nothing (the schema forbids one; this keeps a broken row from subscribing everyone).
 */
export function ruleMatches(
  rule: Pick<SubscriptionRule, 'service' | 'severities'>,
  incident: Pick<Incident, 'service' | 'severity'>,
): boolean {
  const hasSeverities = rule.severities !== null && rule.severities.length > 0;
  if (rule.service === null && !hasSeverities) return false;
  if (rule.service !== null && incident.service?.toLowerCase() !== rule.service.toLowerCase()) {
    return false;
  }
  return !hasSeverities || (rule.severities?.includes(incident.severity) ?? false);
}

export interface AppliedRule {
  ruleId: number;
  /** Recipients this rule reached who were not reached by an earlier rule. */
  newlyNotified: number;
  notified: FanOutSummary;
}

/**
 * Subscribes the targets of every rule that matches a newly declared incident, oldest rule first.
 * Runs inside the declaring transaction, so the incident, its automatic subscriptions and their
 * `subscribed` notifications commit together; the caller wakes the worker afterwards. Someone
 * reached by two rules is told once: the second finds them already subscribed.
 */
export async function applyRules(
  ctx: ActionContext,
  incident: Incident,
  now: number,
): Promise<AppliedRule[]> {
  const { store } = ctx;
  const applied: AppliedRule[] = [];
  for (const rule of await store.rules.list()) {
    if (!ruleMatches(rule, incident)) continue;
    const people = await store.people.byIds(rule.personIds);
    const teams: StakeholderTeam[] = [];
    for (const id of rule.teamIds) {
      const team = await store.stakeholderTeams.byId(id);
      if (team) teams.push(team);
    }
    // Every target was deleted since the rule was written: nothing to subscribe.
    if (people.length === 0 && teams.length === 0) continue;
    // The admin who wrote the rule is who subscribed them, as if they had typed the command.
    const author = rule.createdBy === null ? null : await store.people.byId(rule.createdBy);
    const r = await addSubscriptions(ctx, incident, { people, teams }, author, now);
    await store.audit.record(
      {
        actorId: rule.createdBy,
        action: 'rule.applied',
        incidentId: incident.id,
        detail: {
          ruleId: rule.id,
          people: r.people.map((p) => p.id),
          teams: r.teams.map((t) => t.name),
          notified: r.newlyNotified,
        },
      },
      now,
    );
    applied.push({ ruleId: rule.id, newlyNotified: r.newlyNotified, notified: r.notified });
  }
  return applied;
}
