import { eq, inArray, sql } from 'drizzle-orm';
import { CHANNELS, type Channel, type Person } from '../../src/domain/types.js';
import type { NewPerson, PeopleRepo, PersonPatch } from '../../src/ports.js';
import type { Db } from '../client.js';
import { people } from '../schema.js';

type Row = typeof people.$inferSelect;

export function toPerson(row: Row): Person {
  return {
    id: row.id,
    displayName: row.displayName,
    email: row.email,
    slackUserId: row.slackUserId,
    teamsAadId: row.teamsAadId,
    teamsConversationRef: row.teamsConversationRef,
    slackReachable: row.slackReachable,
    teamsReachable: row.teamsReachable,
    role: row.role,
    preferences: parsePreferences(row.preferences),
  };
}

/**
 * The stored preference, or `null` (the default). A malformed value must not lock a person out of
 * commands or stop their deliveries: it reads as "no explicit preference".
 */
export function parsePreferences(text: string | null): Channel[] | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value)) return null;
    const channels = CHANNELS.filter((c) => value.includes(c));
    return channels.length > 0 ? channels : null;
  } catch {
    return null;
  }
}

export class SqlitePeopleRepo implements PeopleRepo {
  constructor(private readonly db: Db) {}

  byId(id: number): Person | null {
    const row = this.db.select().from(people).where(eq(people.id, id)).get();
    return row ? toPerson(row) : null;
  }

  byIds(ids: readonly number[]): Person[] {
    if (ids.length === 0) return [];
    const out: Person[] = [];
    // SQLite caps bound parameters; chunk large fan-outs.
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      for (const row of this.db.select().from(people).where(inArray(people.id, chunk)).all()) {
        out.push(toPerson(row));
      }
    }
    return out;
  }

  byEmail(email: string): Person | null {
    const row = this.db
      .select()
      .from(people)
      .where(sql`lower(${people.email}) = ${email.toLowerCase()}`)
      .get();
    return row ? toPerson(row) : null;
  }

  bySlackUserId(userId: string): Person | null {
    const row = this.db.select().from(people).where(eq(people.slackUserId, userId)).get();
    return row ? toPerson(row) : null;
  }

  byTeamsAadId(aadId: string): Person | null {
    const row = this.db.select().from(people).where(eq(people.teamsAadId, aadId)).get();
    return row ? toPerson(row) : null;
  }

  create(person: NewPerson, now: number): Person {
    const row = this.db
      .insert(people)
      .values({
        displayName: person.displayName,
        email: person.email ?? null,
        slackUserId: person.slackUserId ?? null,
        teamsAadId: person.teamsAadId ?? null,
        role: person.role ?? 'stakeholder',
        createdAt: now,
      })
      .returning()
      .get();
    return toPerson(row);
  }

  update(id: number, patch: PersonPatch): Person {
    const { preferences, ...rest } = patch;
    const values: Partial<typeof people.$inferInsert> = { ...rest };
    if (preferences !== undefined) {
      values.preferences = preferences === null ? null : JSON.stringify(preferences);
    }
    const row = this.db.update(people).set(values).where(eq(people.id, id)).returning().get();
    if (!row) throw new Error(`person ${id} vanished during update`);
    return toPerson(row);
  }

  countByRole(role: Person['role']): number {
    const row = this.db
      .select({ n: sql<number>`count(*)` })
      .from(people)
      .where(eq(people.role, role))
      .get();
    return row?.n ?? 0;
  }

  isRoleExplicit(id: number): boolean {
    const row = this.db
      .select({ explicit: people.roleExplicit })
      .from(people)
      .where(eq(people.id, id))
      .get();
    return row?.explicit ?? false;
  }
}
