import { sql } from 'drizzle-orm';
import type { Severity } from '../../src/domain/types.js';
import type { NewSubscriptionRule, RulesRepo, SubscriptionRule } from '../../src/ports.js';
import type { Executor } from '../executor.js';

interface RuleRow {
  id: number;
  service: string | null;
  severities: string | null;
  created_by: number | null;
  created_at: number;
}

interface TargetRow {
  rule_id: number;
  person_id: number | null;
  team_id: number | null;
}

function toRule(row: RuleRow, targets: readonly TargetRow[]): SubscriptionRule {
  const mine = targets.filter((t) => t.rule_id === row.id);
  return {
    id: row.id,
    service: row.service,
    severities: row.severities === null ? null : (JSON.parse(row.severities) as Severity[]),
    personIds: mine.flatMap((t) => (t.person_id === null ? [] : [t.person_id])),
    teamIds: mine.flatMap((t) => (t.team_id === null ? [] : [t.team_id])),
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

export class SqlRulesRepo implements RulesRepo {
  constructor(private readonly db: Executor) {}

  async list(): Promise<SubscriptionRule[]> {
    const rules = await this.db.all<RuleRow>(sql`SELECT * FROM subscription_rules ORDER BY id`);
    if (rules.length === 0) return [];
    // Rules are few (an admin types each one): one query for all their targets is enough.
    const targets = await this.db.all<TargetRow>(
      sql`SELECT rule_id, person_id, team_id FROM subscription_rule_targets ORDER BY id`,
    );
    return rules.map((r) => toRule(r, targets));
  }

  async byId(id: number): Promise<SubscriptionRule | null> {
    const row = await this.db.get<RuleRow>(sql`SELECT * FROM subscription_rules WHERE id = ${id}`);
    if (!row) return null;
    const targets = await this.db.all<TargetRow>(
      sql`SELECT rule_id, person_id, team_id FROM subscription_rule_targets
           WHERE rule_id = ${id} ORDER BY id`,
    );
    return toRule(row, targets);
  }

  async create(rule: NewSubscriptionRule, now: number): Promise<SubscriptionRule> {
    const row = await this.db.get<RuleRow>(
      sql`INSERT INTO subscription_rules (service, severities, created_by, created_at)
          VALUES (${rule.service},
                  ${rule.severities === null ? null : JSON.stringify(rule.severities)},
                  ${rule.createdBy}, ${now})
          RETURNING *`,
    );
    if (!row) throw new Error('subscription_rules: INSERT returned no row');
    const values = [
      ...[...new Set(rule.personIds)].map((personId) => sql`(${row.id}, ${personId}, ${null})`),
      ...[...new Set(rule.teamIds)].map((teamId) => sql`(${row.id}, ${null}, ${teamId})`),
    ];
    const targets =
      values.length === 0
        ? []
        : await this.db.all<TargetRow>(
            sql`INSERT INTO subscription_rule_targets (rule_id, person_id, team_id)
                VALUES ${sql.join(values, sql`, `)}
                RETURNING rule_id, person_id, team_id`,
          );
    return toRule(row, targets);
  }

  async delete(id: number): Promise<boolean> {
    return (await this.db.run(sql`DELETE FROM subscription_rules WHERE id = ${id}`)) > 0;
  }
}
