import { sql } from 'drizzle-orm';
import type { AuditRepo } from '../../src/ports.js';
import type { Executor } from '../executor.js';

export class SqlAuditRepo implements AuditRepo {
  constructor(private readonly db: Executor) {}

  async record(
    entry: { actorId: number | null; action: string; incidentId?: number | null; detail?: unknown },
    now: number,
  ): Promise<void> {
    await this.db.run(
      sql`INSERT INTO audit_log (actor_id, action, incident_id, detail, created_at)
          VALUES (${entry.actorId}, ${entry.action}, ${entry.incidentId ?? null},
                  ${JSON.stringify(entry.detail ?? {})}, ${now})`,
    );
  }
}
