import { sql, type SQL } from 'drizzle-orm';
import type { Incident } from '../../src/domain/types.js';
import type { IncidentPatch, IncidentsRepo, NewIncident } from '../../src/ports.js';
import type { Executor } from '../executor.js';
import { toIncident, type IncidentRow } from '../rows.js';

const COLUMN: { [K in keyof Required<IncidentPatch>]: string } = {
  title: 'title',
  summary: 'summary',
  severity: 'severity',
  service: 'service',
  status: 'status',
  resolvedAt: 'resolved_at',
  resolutionNote: 'resolution_note',
  lastStakeholderUpdateAt: 'last_stakeholder_update_at',
  lastReminderAt: 'last_reminder_at',
};

type Filter = { status?: 'open' | 'resolved'; limit: number };

const statusIs = (filter: Filter): SQL =>
  filter.status ? sql`status = ${filter.status}` : sql`1 = 1`;

export class SqlIncidentsRepo implements IncidentsRepo {
  constructor(private readonly db: Executor) {}

  async byId(id: number): Promise<Incident | null> {
    const row = await this.db.get<IncidentRow>(sql`SELECT * FROM incidents WHERE id = ${id}`);
    return row ? toIncident(row) : null;
  }

  async byExternalKey(key: string): Promise<Incident | null> {
    const row = await this.db.get<IncidentRow>(
      sql`SELECT * FROM incidents WHERE external_key = ${key}`,
    );
    return row ? toIncident(row) : null;
  }

  async create(
    incident: NewIncident,
    now: number,
  ): Promise<{ incident: Incident; created: boolean }> {
    // A key already held is answered without an INSERT: a conflicting INSERT still uses up an id
    // (SQLite's AUTOINCREMENT, a PostgreSQL sequence), and incident numbers are what people see.
    if (incident.externalKey !== null) {
      const existing = await this.byExternalKey(incident.externalKey);
      if (existing) return { incident: existing, created: false };
    }
    // The unique key decides between racing callers (two replicas, a resent alert): the loser's
    // INSERT does nothing and it reads the winner's incident.
    const row = await this.db.get<IncidentRow>(
      sql`INSERT INTO incidents
            (title, summary, severity, service, status, declared_by, source, external_key, created_at)
          VALUES (${incident.title}, ${incident.summary}, ${incident.severity}, ${incident.service},
                  'open', ${incident.declaredBy}, ${incident.source}, ${incident.externalKey}, ${now})
          ON CONFLICT DO NOTHING
          RETURNING *`,
    );
    if (row) return { incident: toIncident(row), created: true };
    const existing =
      incident.externalKey === null ? null : await this.byExternalKey(incident.externalKey);
    if (!existing) throw new Error('incidents: INSERT conflicted but no incident holds its key');
    return { incident: existing, created: false };
  }

  async update(id: number, patch: IncidentPatch): Promise<Incident> {
    const set = (Object.keys(COLUMN) as Array<keyof IncidentPatch>).flatMap((key) =>
      patch[key] === undefined ? [] : [sql`${sql.raw(COLUMN[key])} = ${patch[key]}`],
    );
    const row = await this.db.get<IncidentRow>(
      set.length === 0
        ? sql`SELECT * FROM incidents WHERE id = ${id}`
        : sql`UPDATE incidents SET ${sql.join(set, sql`, `)} WHERE id = ${id} RETURNING *`,
    );
    if (!row) throw new Error(`incident ${id} vanished during update`);
    return toIncident(row);
  }

  async list(filter: Filter): Promise<Incident[]> {
    const rows = await this.db.all<IncidentRow>(
      sql`SELECT * FROM incidents WHERE ${statusIs(filter)} ORDER BY id DESC LIMIT ${filter.limit}`,
    );
    return rows.map(toIncident);
  }

  async listForPerson(personId: number, filter: Filter): Promise<Incident[]> {
    const rows = await this.db.all<IncidentRow>(
      sql`SELECT * FROM incidents
           WHERE id IN (
                 SELECT incident_id FROM subscriptions WHERE person_id = ${personId}
                 UNION
                 SELECT s.incident_id FROM subscriptions s
                   JOIN team_members tm ON tm.team_id = s.team_id
                  WHERE tm.person_id = ${personId}
                    AND s.incident_id NOT IN
                        (SELECT incident_id FROM opt_outs WHERE person_id = ${personId}))
             AND ${statusIs(filter)}
           ORDER BY id DESC LIMIT ${filter.limit}`,
    );
    return rows.map(toIncident);
  }
}
