import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Person, StakeholderTeam } from '../../src/domain/types.js';
import type { TeamsRepo } from '../../src/ports.js';
import type { Db } from '../client.js';
import { people, stakeholderTeams, teamMembers } from '../schema.js';
import { toPerson } from './people.js';

const columns = {
  id: stakeholderTeams.id,
  name: stakeholderTeams.name,
  description: stakeholderTeams.description,
};

export class SqliteTeamsRepo implements TeamsRepo {
  constructor(private readonly db: Db) {}

  byName(name: string): StakeholderTeam | null {
    return (
      this.db
        .select(columns)
        .from(stakeholderTeams)
        .where(sql`lower(${stakeholderTeams.name}) = ${name.toLowerCase()}`)
        .get() ?? null
    );
  }

  byId(id: number): StakeholderTeam | null {
    return (
      this.db.select(columns).from(stakeholderTeams).where(eq(stakeholderTeams.id, id)).get() ??
      null
    );
  }

  list(): Array<StakeholderTeam & { memberCount: number }> {
    return this.db
      .select({ ...columns, memberCount: sql<number>`count(${teamMembers.personId})` })
      .from(stakeholderTeams)
      .leftJoin(teamMembers, eq(teamMembers.teamId, stakeholderTeams.id))
      .groupBy(stakeholderTeams.id)
      .orderBy(sql`lower(${stakeholderTeams.name})`)
      .all();
  }

  create(name: string, description: string, now: number): StakeholderTeam {
    return this.db
      .insert(stakeholderTeams)
      .values({ name, description, createdAt: now })
      .returning(columns)
      .get();
  }

  update(id: number, patch: { name?: string; description?: string }): StakeholderTeam {
    const row = this.db
      .update(stakeholderTeams)
      .set(patch)
      .where(eq(stakeholderTeams.id, id))
      .returning(columns)
      .get();
    if (!row) throw new Error(`team ${id} vanished during update`);
    return row;
  }

  delete(id: number): void {
    this.db.delete(stakeholderTeams).where(eq(stakeholderTeams.id, id)).run();
  }

  members(teamId: number): Person[] {
    return this.db
      .select({ p: people })
      .from(teamMembers)
      .innerJoin(people, eq(people.id, teamMembers.personId))
      .where(eq(teamMembers.teamId, teamId))
      .orderBy(asc(people.displayName))
      .all()
      .map((r) => toPerson(r.p));
  }

  addMembers(teamId: number, personIds: readonly number[], now: number): number[] {
    const added: number[] = [];
    for (const personId of new Set(personIds)) {
      const res = this.db
        .insert(teamMembers)
        .values({ teamId, personId, addedAt: now })
        .onConflictDoNothing()
        .run();
      if (res.changes > 0) added.push(personId);
    }
    return added;
  }

  removeMembers(teamId: number, personIds: readonly number[]): number[] {
    if (personIds.length === 0) return [];
    return this.db
      .delete(teamMembers)
      .where(and(eq(teamMembers.teamId, teamId), inArray(teamMembers.personId, [...personIds])))
      .returning({ personId: teamMembers.personId })
      .all()
      .map((r) => r.personId);
  }
}
