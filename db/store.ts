import type { Store } from '../src/ports.js';
import type { Db } from './client.js';
import { SqliteAuditRepo } from './repositories/audit.js';
import { SqliteIncidentsRepo } from './repositories/incidents.js';
import { SqliteOutboxRepo } from './repositories/outbox.js';
import { SqlitePeopleRepo } from './repositories/people.js';
import { SqliteRulesRepo } from './repositories/rules.js';
import { SqliteSettingsRepo } from './repositories/settings.js';
import { SqliteSubscriptionsRepo } from './repositories/subscriptions.js';
import { SqliteTeamsRepo } from './repositories/teams.js';
import { SqliteUpdatesRepo } from './repositories/updates.js';

/** The core's `Store` on one SQLite connection. Transactions nest as savepoints. */
export function createStore(db: Db): Store {
  return {
    people: new SqlitePeopleRepo(db),
    teams: new SqliteTeamsRepo(db),
    incidents: new SqliteIncidentsRepo(db),
    subscriptions: new SqliteSubscriptionsRepo(db),
    updates: new SqliteUpdatesRepo(db),
    outbox: new SqliteOutboxRepo(db),
    audit: new SqliteAuditRepo(db),
    settings: new SqliteSettingsRepo(db),
    rules: new SqliteRulesRepo(db),
    // better-sqlite3's transaction() is synchronous and uses a savepoint when nested.
    transaction: <T>(fn: () => T): T => db.$client.transaction(fn).immediate(),
  };
}
