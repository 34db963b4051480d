import { and, desc, eq } from 'drizzle-orm';
import type { StatusUpdate } from '../../src/domain/types.js';
import type { UpdatesRepo } from '../../src/ports.js';
import type { Db } from '../client.js';
import { statusUpdates } from '../schema.js';

export class SqliteUpdatesRepo implements UpdatesRepo {
  constructor(private readonly db: Db) {}

  create(
    update: {
      incidentId: number;
      text: string;
      authorId: number | null;
      notifyStakeholders: boolean;
    },
    now: number,
  ): StatusUpdate {
    return this.db
      .insert(statusUpdates)
      .values({ ...update, createdAt: now })
      .returning()
      .get();
  }

  list(
    incidentId: number,
    limit: number,
    opts: { stakeholderOnly?: boolean } = {},
  ): StatusUpdate[] {
    const forIncident = eq(statusUpdates.incidentId, incidentId);
    return this.db
      .select()
      .from(statusUpdates)
      .where(
        opts.stakeholderOnly
          ? and(forIncident, eq(statusUpdates.notifyStakeholders, true))
          : forIncident,
      )
      .orderBy(desc(statusUpdates.id))
      .limit(limit)
      .all();
  }
}
