import { sql, type SQL } from 'drizzle-orm';
import type { Person, StakeholderTeam } from '../../src/domain/types.js';
import type { StakeholderTeamsRepo } from '../../src/ports.js';
import type { Executor } from '../executor.js';
import { toPerson, toTeam, type PersonRow, type TeamRow } from '../rows.js';
import { inChunks } from './chunks.js';

const byName = <T extends { name: string }>(a: T, b: T) =>
  a.name.toLowerCase() < b.name.toLowerCase()
    ? -1
    : a.name.toLowerCase() > b.name.toLowerCase()
      ? 1
      : 0;

export class SqlStakeholderTeamsRepo implements StakeholderTeamsRepo {
  constructor(private readonly db: Executor) {}

  async byName(name: string): Promise<StakeholderTeam | null> {
    const row = await this.db.get<TeamRow>(
      // Lowered by the database on both sides, as the unique index is (see people's byEmail).
      sql`SELECT id, name, description FROM stakeholder_teams WHERE lower(name) = lower(${name})`,
    );
    return row ? toTeam(row) : null;
  }

  async byId(id: number): Promise<StakeholderTeam | null> {
    const row = await this.db.get<TeamRow>(
      sql`SELECT id, name, description FROM stakeholder_teams WHERE id = ${id}`,
    );
    return row ? toTeam(row) : null;
  }

  async list(): Promise<Array<StakeholderTeam & { memberCount: number }>> {
    const rows = await this.db.all<TeamRow & { member_count: number }>(
      sql`SELECT t.id, t.name, t.description,
                 (SELECT count(*) FROM team_members m WHERE m.team_id = t.id) AS member_count
            FROM stakeholder_teams t`,
    );
    // Sorted here: the two databases' collations order names differently.
    return rows.map((r) => ({ ...toTeam(r), memberCount: Number(r.member_count) })).sort(byName);
  }

  async create(name: string, description: string, now: number): Promise<StakeholderTeam> {
    const row = await this.db.get<TeamRow>(
      sql`INSERT INTO stakeholder_teams (name, description, created_at)
          VALUES (${name}, ${description}, ${now}) RETURNING id, name, description`,
    );
    if (!row) throw new Error('stakeholder_teams: INSERT returned no row');
    return toTeam(row);
  }

  async update(
    id: number,
    patch: { name?: string; description?: string },
  ): Promise<StakeholderTeam> {
    const set: SQL[] = [];
    if (patch.name !== undefined) set.push(sql`name = ${patch.name}`);
    if (patch.description !== undefined) set.push(sql`description = ${patch.description}`);
    const row = await this.db.get<TeamRow>(
      set.length === 0
        ? sql`SELECT id, name, description FROM stakeholder_teams WHERE id = ${id}`
        : sql`UPDATE stakeholder_teams SET ${sql.join(set, sql`, `)} WHERE id = ${id}
              RETURNING id, name, description`,
    );
    if (!row) throw new Error(`stakeholder team ${id} vanished during update`);
    return toTeam(row);
  }

  async delete(id: number): Promise<void> {
    await this.db.run(sql`DELETE FROM stakeholder_teams WHERE id = ${id}`);
  }

  async members(teamId: number): Promise<Person[]> {
    const rows = await this.db.all<PersonRow>(
      sql`SELECT p.* FROM team_members m JOIN people p ON p.id = m.person_id
           WHERE m.team_id = ${teamId}`,
    );
    return rows
      .map(toPerson)
      .sort((a, b) =>
        a.displayName < b.displayName ? -1 : a.displayName > b.displayName ? 1 : a.id - b.id,
      );
  }

  async addMembers(teamId: number, personIds: readonly number[], now: number): Promise<number[]> {
    const unique = [...new Set(personIds)];
    const rows = await inChunks(unique, (chunk) =>
      this.db.all<{ person_id: number }>(
        sql`INSERT INTO team_members (team_id, person_id, added_at)
            VALUES ${sql.join(
              chunk.map((personId) => sql`(${teamId}, ${personId}, ${now})`),
              sql`, `,
            )}
            ON CONFLICT DO NOTHING RETURNING person_id`,
      ),
    );
    const added = new Set(rows.map((r) => r.person_id));
    return unique.filter((id) => added.has(id));
  }

  async removeMembers(teamId: number, personIds: readonly number[]): Promise<number[]> {
    const rows = await inChunks(personIds, (chunk) =>
      this.db.all<{ person_id: number }>(
        sql`DELETE FROM team_members WHERE team_id = ${teamId} AND person_id IN ${chunk}
            RETURNING person_id`,
      ),
    );
    return rows.map((r) => r.person_id);
  }
}
