import { asc, eq } from 'drizzle-orm';
import type { Severity } from '../../src/domain/types.js';
import type { NewSubscriptionRule, RulesRepo, SubscriptionRule } from '../../src/ports.js';
import type { Db } from '../client.js';
import { subscriptionRules, subscriptionRuleTargets } from '../schema.js';

type RuleRow = typeof subscriptionRules.$inferSelect;
type TargetRow = typeof subscriptionRuleTargets.$inferSelect;

function toRule(row: RuleRow, targets: readonly TargetRow[]): SubscriptionRule {
  return {
    id: row.id,
    service: row.service,
    severities: row.severities === null ? null : (JSON.parse(row.severities) as Severity[]),
    personIds: targets.flatMap((t) =>
      t.ruleId === row.id && t.personId !== null ? [t.personId] : [],
    ),
    teamIds: targets.flatMap((t) => (t.ruleId === row.id && t.teamId !== null ? [t.teamId] : [])),
    createdBy: row.createdBy,
    createdAt: row.createdAt,
  };
}

export class SqliteRulesRepo implements RulesRepo {
  constructor(private readonly db: Db) {}

  list(): SubscriptionRule[] {
    const rules = this.db.select().from(subscriptionRules).orderBy(asc(subscriptionRules.id)).all();
    if (rules.length === 0) return [];
    // Rules are few (an admin types each one): one query for all their targets is enough.
    const targets = this.db
      .select()
      .from(subscriptionRuleTargets)
      .orderBy(asc(subscriptionRuleTargets.id))
      .all();
    return rules.map((r) => toRule(r, targets));
  }

  byId(id: number): SubscriptionRule | null {
    const row = this.db.select().from(subscriptionRules).where(eq(subscriptionRules.id, id)).get();
    if (!row) return null;
    const targets = this.db
      .select()
      .from(subscriptionRuleTargets)
      .where(eq(subscriptionRuleTargets.ruleId, id))
      .orderBy(asc(subscriptionRuleTargets.id))
      .all();
    return toRule(row, targets);
  }

  create(rule: NewSubscriptionRule, now: number): SubscriptionRule {
    const row = this.db
      .insert(subscriptionRules)
      .values({
        service: rule.service,
        severities: rule.severities === null ? null : JSON.stringify(rule.severities),
        createdBy: rule.createdBy,
        createdAt: now,
      })
      .returning()
      .get();
    const values = [
      ...[...new Set(rule.personIds)].map((personId) => ({ ruleId: row.id, personId })),
      ...[...new Set(rule.teamIds)].map((teamId) => ({ ruleId: row.id, teamId })),
    ];
    const targets =
      values.length === 0
        ? []
        : this.db.insert(subscriptionRuleTargets).values(values).returning().all();
    return toRule(row, targets);
  }

  delete(id: number): boolean {
    return this.db.delete(subscriptionRules).where(eq(subscriptionRules.id, id)).run().changes > 0;
  }
}
