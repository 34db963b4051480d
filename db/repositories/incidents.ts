import { desc, eq, sql } from 'drizzle-orm';
import type { Incident } from '../../src/domain/types.js';
import type { IncidentPatch, IncidentsRepo, NewIncident } from '../../src/ports.js';
import type { Db } from '../client.js';
import { incidents } from '../schema.js';

export class SqliteIncidentsRepo implements IncidentsRepo {
  constructor(private readonly db: Db) {}

  byId(id: number): Incident | null {
    return this.db.select().from(incidents).where(eq(incidents.id, id)).get() ?? null;
  }

  byExternalKey(key: string): Incident | null {
    return this.db.select().from(incidents).where(eq(incidents.externalKey, key)).get() ?? null;
  }

  create(incident: NewIncident, now: number): Incident {
    return this.db
      .insert(incidents)
      .values({ ...incident, status: 'open', createdAt: now })
      .returning()
      .get();
  }

  update(id: number, patch: IncidentPatch): Incident {
    const row = this.db.update(incidents).set(patch).where(eq(incidents.id, id)).returning().get();
    if (!row) throw new Error(`incident ${id} vanished during update`);
    return row;
  }

  list(filter: { status?: 'open' | 'resolved'; limit: number }): Incident[] {
    const query = this.db.select().from(incidents);
    return (filter.status ? query.where(eq(incidents.status, filter.status)) : query)
      .orderBy(desc(incidents.id))
      .limit(filter.limit)
      .all();
  }

  listForPerson(
    personId: number,
    filter: { status?: 'open' | 'resolved'; limit: number },
  ): Incident[] {
    const visible = sql`${incidents.id} IN (
      SELECT incident_id FROM subscriptions WHERE person_id = ${personId}
      UNION
      SELECT s.incident_id FROM subscriptions s
        JOIN team_members tm ON tm.team_id = s.team_id
       WHERE tm.person_id = ${personId}
         AND s.incident_id NOT IN (SELECT incident_id FROM opt_outs WHERE person_id = ${personId}))`;
    const where = filter.status
      ? sql`${visible} AND ${incidents.status} = ${filter.status}`
      : visible;
    return this.db
      .select()
      .from(incidents)
      .where(where)
      .orderBy(desc(incidents.id))
      .limit(filter.limit)
      .all();
  }
}
