import type { AuditRepo } from '../../src/ports.js';
import type { Db } from '../client.js';
import { auditLog } from '../schema.js';

export class SqliteAuditRepo implements AuditRepo {
  constructor(private readonly db: Db) {}

  record(
    entry: { actorId: number | null; action: string; incidentId?: number | null; detail?: unknown },
    now: number,
  ): void {
    this.db
      .insert(auditLog)
      .values({
        actorId: entry.actorId,
        action: entry.action,
        incidentId: entry.incidentId ?? null,
        detail: JSON.stringify(entry.detail ?? {}),
        createdAt: now,
      })
      .run();
  }
}
