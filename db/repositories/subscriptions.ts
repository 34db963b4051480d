import { and, asc, eq } from 'drizzle-orm';
import type { Statement } from 'better-sqlite3';
import type { Subscription } from '../../src/domain/types.js';
import type { SubscriptionsRepo } from '../../src/ports.js';
import type { Db } from '../client.js';
import { optOuts, subscriptions } from '../schema.js';

/** Direct subscribers and the current members of subscribed teams who did not opt out, each once. */
const RECIPIENTS = `
  SELECT person_id AS id FROM subscriptions WHERE incident_id = @incident AND person_id IS NOT NULL
  UNION
  SELECT tm.person_id FROM subscriptions s JOIN team_members tm ON tm.team_id = s.team_id
   WHERE s.incident_id = @incident
     AND tm.person_id NOT IN (SELECT person_id FROM opt_outs WHERE incident_id = @incident)`;

export class SqliteSubscriptionsRepo implements SubscriptionsRepo {
  private readonly recipients: Statement<{ incident: number }, { id: number }>;
  private readonly recipient: Statement<{ incident: number; person: number }, { id: number }>;

  constructor(private readonly db: Db) {
    this.recipients = db.$client.prepare(`${RECIPIENTS} ORDER BY 1`);
    this.recipient = db.$client.prepare(
      `SELECT id FROM (${RECIPIENTS}) WHERE id = @person LIMIT 1`,
    );
  }

  list(incidentId: number): Subscription[] {
    return this.db
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.incidentId, incidentId))
      .orderBy(asc(subscriptions.id))
      .all();
  }

  addPerson(incidentId: number, personId: number, addedBy: number | null, now: number): boolean {
    // Subscribing someone directly overrides an earlier opt-out.
    this.db
      .delete(optOuts)
      .where(and(eq(optOuts.incidentId, incidentId), eq(optOuts.personId, personId)))
      .run();
    const res = this.db
      .insert(subscriptions)
      .values({ incidentId, personId, addedBy, createdAt: now })
      .onConflictDoNothing()
      .run();
    return res.changes > 0;
  }

  addTeam(incidentId: number, teamId: number, addedBy: number | null, now: number): boolean {
    const res = this.db
      .insert(subscriptions)
      .values({ incidentId, teamId, addedBy, createdAt: now })
      .onConflictDoNothing()
      .run();
    return res.changes > 0;
  }

  removePerson(incidentId: number, personId: number): boolean {
    const res = this.db
      .delete(subscriptions)
      .where(and(eq(subscriptions.incidentId, incidentId), eq(subscriptions.personId, personId)))
      .run();
    return res.changes > 0;
  }

  removeTeam(incidentId: number, teamId: number): boolean {
    const res = this.db
      .delete(subscriptions)
      .where(and(eq(subscriptions.incidentId, incidentId), eq(subscriptions.teamId, teamId)))
      .run();
    return res.changes > 0;
  }

  optOut(incidentId: number, personId: number, now: number): void {
    this.db
      .insert(optOuts)
      .values({ incidentId, personId, createdAt: now })
      .onConflictDoNothing()
      .run();
  }

  recipientIds(incidentId: number): number[] {
    return this.recipients.all({ incident: incidentId }).map((r) => r.id);
  }

  isRecipient(incidentId: number, personId: number): boolean {
    return this.recipient.get({ incident: incidentId, person: personId }) !== undefined;
  }
}
