import { sql } from 'drizzle-orm';
import type { Subscription } from '../../src/domain/types.js';
import type { SubscriptionsRepo } from '../../src/ports.js';
import type { Executor } from '../executor.js';
import { toSubscription, type SubscriptionRow } from '../rows.js';

/** Direct subscribers and the current members of subscribed teams who did not opt out, each once. */
const recipients = (incidentId: number) => sql`
  SELECT person_id AS id FROM subscriptions WHERE incident_id = ${incidentId} AND person_id IS NOT NULL
  UNION
  SELECT tm.person_id FROM subscriptions s JOIN team_members tm ON tm.team_id = s.team_id
   WHERE s.incident_id = ${incidentId}
     AND tm.person_id NOT IN (SELECT person_id FROM opt_outs WHERE incident_id = ${incidentId})`;

export class SqlSubscriptionsRepo implements SubscriptionsRepo {
  constructor(private readonly db: Executor) {}

  async list(incidentId: number): Promise<Subscription[]> {
    const rows = await this.db.all<SubscriptionRow>(
      sql`SELECT * FROM subscriptions WHERE incident_id = ${incidentId} ORDER BY id`,
    );
    return rows.map(toSubscription);
  }

  async addPerson(
    incidentId: number,
    personId: number,
    addedBy: number | null,
    now: number,
  ): Promise<boolean> {
    // Subscribing someone directly overrides an earlier opt-out.
    await this.db.run(
      sql`DELETE FROM opt_outs WHERE incident_id = ${incidentId} AND person_id = ${personId}`,
    );
    const added = await this.db.run(
      sql`INSERT INTO subscriptions (incident_id, person_id, added_by, created_at)
          VALUES (${incidentId}, ${personId}, ${addedBy}, ${now}) ON CONFLICT DO NOTHING`,
    );
    return added > 0;
  }

  async addTeam(
    incidentId: number,
    teamId: number,
    addedBy: number | null,
    now: number,
  ): Promise<boolean> {
    const added = await this.db.run(
      sql`INSERT INTO subscriptions (incident_id, team_id, added_by, created_at)
          VALUES (${incidentId}, ${teamId}, ${addedBy}, ${now}) ON CONFLICT DO NOTHING`,
    );
    return added > 0;
  }

  async removePerson(incidentId: number, personId: number): Promise<boolean> {
    const removed = await this.db.run(
      sql`DELETE FROM subscriptions WHERE incident_id = ${incidentId} AND person_id = ${personId}`,
    );
    return removed > 0;
  }

  async removeTeam(incidentId: number, teamId: number): Promise<boolean> {
    const removed = await this.db.run(
      sql`DELETE FROM subscriptions WHERE incident_id = ${incidentId} AND team_id = ${teamId}`,
    );
    return removed > 0;
  }

  async optOut(incidentId: number, personId: number, now: number): Promise<void> {
    await this.db.run(
      sql`INSERT INTO opt_outs (incident_id, person_id, created_at)
          VALUES (${incidentId}, ${personId}, ${now}) ON CONFLICT DO NOTHING`,
    );
  }

  async recipientIds(incidentId: number): Promise<number[]> {
    const rows = await this.db.all<{ id: number }>(sql`${recipients(incidentId)} ORDER BY 1`);
    return rows.map((r) => r.id);
  }

  async isRecipient(incidentId: number, personId: number): Promise<boolean> {
    const row = await this.db.get<{ id: number }>(
      sql`SELECT id FROM (${recipients(incidentId)}) r WHERE id = ${personId} LIMIT 1`,
    );
    return row !== undefined;
  }
}
