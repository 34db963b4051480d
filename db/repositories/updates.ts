import { sql } from 'drizzle-orm';
import type { StatusUpdate } from '../../src/domain/types.js';
import type { UpdatesRepo } from '../../src/ports.js';
import type { Executor } from '../executor.js';
import { toUpdate, type UpdateRow } from '../rows.js';

export class SqlUpdatesRepo implements UpdatesRepo {
  constructor(private readonly db: Executor) {}

  async create(
    update: {
      incidentId: number;
      text: string;
      authorId: number | null;
      notifyStakeholders: boolean;
    },
    now: number,
  ): Promise<StatusUpdate> {
    const row = await this.db.get<UpdateRow>(
      sql`INSERT INTO status_updates (incident_id, text, author_id, notify_stakeholders, created_at)
          VALUES (${update.incidentId}, ${update.text}, ${update.authorId},
                  ${update.notifyStakeholders}, ${now})
          RETURNING *`,
    );
    if (!row) throw new Error('status_updates: INSERT returned no row');
    return toUpdate(row);
  }

  async list(
    incidentId: number,
    limit: number,
    opts: { stakeholderOnly?: boolean } = {},
  ): Promise<StatusUpdate[]> {
    const rows = await this.db.all<UpdateRow>(
      opts.stakeholderOnly
        ? sql`SELECT * FROM status_updates
               WHERE incident_id = ${incidentId} AND notify_stakeholders = ${true}
               ORDER BY id DESC LIMIT ${limit}`
        : sql`SELECT * FROM status_updates WHERE incident_id = ${incidentId}
               ORDER BY id DESC LIMIT ${limit}`,
    );
    return rows.map(toUpdate);
  }
}
