import { sql, type SQL } from 'drizzle-orm';
import type { Person, Reach, Role } from '../../src/domain/types.js';
import type { NewPerson, PeopleRepo, PersonPatch } from '../../src/ports.js';
import type { Executor } from '../executor.js';
import { flag, parsePreferences, toPerson, type Flag, type PersonRow } from '../rows.js';
import { inChunks } from './chunks.js';

interface ReachRow {
  id: number;
  preferences: string | null;
  slack_reachable: Flag;
  teams_reachable: Flag;
  has_slack: Flag;
  has_teams: Flag;
  has_email: Flag;
}

/** The column each patchable field is stored in. */
const COLUMN: { [K in keyof Required<PersonPatch>]: string } = {
  displayName: 'display_name',
  email: 'email',
  slackUserId: 'slack_user_id',
  teamsAadId: 'teams_aad_id',
  teamsConversationRef: 'teams_conversation_ref',
  slackReachable: 'slack_reachable',
  teamsReachable: 'teams_reachable',
  role: 'role',
  roleExplicit: 'role_explicit',
  preferences: 'preferences',
};

/** `SET a = $1, b = $2` for the fields present in the patch. */
function assignments(patch: PersonPatch): SQL[] {
  return (Object.keys(COLUMN) as Array<keyof PersonPatch>).flatMap((key) => {
    const value = patch[key];
    if (value === undefined) return [];
    const stored =
      key === 'preferences' ? (value === null ? null : JSON.stringify(value)) : (value as unknown);
    return [sql`${sql.raw(COLUMN[key])} = ${stored}`];
  });
}

export class SqlPeopleRepo implements PeopleRepo {
  constructor(private readonly db: Executor) {}

  async byId(id: number): Promise<Person | null> {
    const row = await this.db.get<PersonRow>(sql`SELECT * FROM people WHERE id = ${id}`);
    return row ? toPerson(row) : null;
  }

  async byIds(ids: readonly number[]): Promise<Person[]> {
    // PostgreSQL takes the whole list as one array parameter; SQLite's IN list is capped.
    const rows =
      this.db.dialect === 'postgres'
        ? await this.db.all<PersonRow>(
            sql`SELECT * FROM people WHERE id = ANY(${sql.param([...ids])}::integer[]) ORDER BY id`,
          )
        : await inChunks(ids, (chunk) =>
            this.db.all<PersonRow>(sql`SELECT * FROM people WHERE id IN ${chunk}`),
          );
    return rows.map(toPerson);
  }

  async reach(ids: readonly number[]): Promise<Reach[]> {
    // Flags, not the ids, address and conversation reference themselves: a fan-out to 100,000
    // holds this much of each recipient at once.
    const columns = sql.raw(`id, preferences, slack_reachable, teams_reachable,
      slack_user_id IS NOT NULL AS has_slack, teams_conversation_ref IS NOT NULL AS has_teams,
      email IS NOT NULL AS has_email`);
    const rows =
      this.db.dialect === 'postgres'
        ? await this.db.all<ReachRow>(
            sql`SELECT ${columns} FROM people
                 WHERE id = ANY(${sql.param([...ids])}::integer[]) ORDER BY id`,
          )
        : await inChunks(ids, (chunk) =>
            this.db.all<ReachRow>(sql`SELECT ${columns} FROM people WHERE id IN ${chunk}`),
          );
    return rows.map((row) => ({
      id: Number(row.id),
      slack: flag(row.has_slack) && flag(row.slack_reachable),
      teams: flag(row.has_teams) && flag(row.teams_reachable),
      email: flag(row.has_email),
      preferences: parsePreferences(row.preferences),
    }));
  }

  async byEmail(email: string): Promise<Person | null> {
    // Lowered by the database on both sides, as its unique index on lower(email) is: JavaScript's
    // toLowerCase lowers letters (É) that SQLite's lower(), or PostgreSQL's under the C locale,
    // keeps, and the stored address would then not even match itself.
    const row = await this.db.get<PersonRow>(
      sql`SELECT * FROM people WHERE lower(email) = lower(${email})`,
    );
    return row ? toPerson(row) : null;
  }

  async bySlackUserId(userId: string): Promise<Person | null> {
    const row = await this.db.get<PersonRow>(
      sql`SELECT * FROM people WHERE slack_user_id = ${userId}`,
    );
    return row ? toPerson(row) : null;
  }

  async byTeamsAadId(aadId: string): Promise<Person | null> {
    const row = await this.db.get<PersonRow>(
      sql`SELECT * FROM people WHERE teams_aad_id = ${aadId}`,
    );
    return row ? toPerson(row) : null;
  }

  async create(person: NewPerson, now: number): Promise<Person> {
    const email = person.email ?? null;
    const slack = person.slackUserId ?? null;
    const teams = person.teamsAadId ?? null;
    // Another process may meet the same person at the same moment: the unique keys (email,
    // Slack id, Teams id) decide, and the loser gets the person the winner made.
    const row = await this.db.get<PersonRow>(
      sql`INSERT INTO people (display_name, email, slack_user_id, teams_aad_id, role, created_at)
          VALUES (${person.displayName}, ${email}, ${slack}, ${teams},
                  ${person.role ?? 'stakeholder'}, ${now})
          ON CONFLICT DO NOTHING
          RETURNING *`,
    );
    if (row) return toPerson(row);
    const holder =
      (slack && (await this.bySlackUserId(slack))) ||
      (teams && (await this.byTeamsAadId(teams))) ||
      (email && (await this.byEmail(email)));
    if (!holder) throw new Error('people: INSERT conflicted but no one holds its keys');
    return holder;
  }

  async update(id: number, patch: PersonPatch): Promise<Person> {
    const set = assignments(patch);
    const row = await this.db.get<PersonRow>(
      set.length === 0
        ? sql`SELECT * FROM people WHERE id = ${id}`
        : sql`UPDATE people SET ${sql.join(set, sql`, `)} WHERE id = ${id} RETURNING *`,
    );
    if (!row) throw new Error(`person ${id} vanished during update`);
    return toPerson(row);
  }

  async countByRole(role: Role): Promise<number> {
    const row = await this.db.get<{ n: number }>(
      sql`SELECT count(*) AS n FROM people WHERE role = ${role}`,
    );
    return Number(row?.n ?? 0);
  }

  async isRoleExplicit(id: number): Promise<boolean> {
    const row = await this.db.get<{ explicit: Flag }>(
      sql`SELECT role_explicit AS explicit FROM people WHERE id = ${id}`,
    );
    return row ? flag(row.explicit) : false;
  }
}
