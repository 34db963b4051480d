import type { Store } from '../src/ports.js';
import type { Executor } from './executor.js';
import { SqlAuditRepo } from './repositories/audit.js';
import { SqlLeasesRepo, SqlOnceRepo, SqlReplicasRepo } from './repositories/coordination.js';
import { SqlIncidentsRepo } from './repositories/incidents.js';
import { SqlOutboxRepo } from './repositories/outbox.js';
import { SqlPeopleRepo } from './repositories/people.js';
import { SqlPlatformProfilesRepo } from './repositories/platform-profiles.js';
import { SqlRulesRepo } from './repositories/rules.js';
import { SqlSettingsRepo } from './repositories/settings.js';
import { SqlStakeholderTeamsRepo } from './repositories/stakeholder-teams.js';
import { SqlSubscriptionsRepo } from './repositories/subscriptions.js';
import { SqlUpdatesRepo } from './repositories/updates.js';
import { SqlRateLimitsRepo, SqlWebSessionsRepo } from './repositories/web-sessions.js';

/**
 * The core's `Store` on either database. Every repository runs on the one executor, which scopes
 * transactions to the async context: inside `transaction`, each repository call joins it, and so
 * does a nested `transaction`.
 */
export function createStore(db: Executor): Store {
  const store: Store = {
    people: new SqlPeopleRepo(db),
    stakeholderTeams: new SqlStakeholderTeamsRepo(db),
    incidents: new SqlIncidentsRepo(db),
    subscriptions: new SqlSubscriptionsRepo(db),
    updates: new SqlUpdatesRepo(db),
    outbox: new SqlOutboxRepo(db),
    audit: new SqlAuditRepo(db),
    settings: new SqlSettingsRepo(db),
    rules: new SqlRulesRepo(db),
    leases: new SqlLeasesRepo(db),
    replicas: new SqlReplicasRepo(db),
    once: new SqlOnceRepo(db),
    platformProfiles: new SqlPlatformProfilesRepo(db),
    webSessions: new SqlWebSessionsRepo(db),
    rateLimits: new SqlRateLimitsRepo(db),
    transaction: (fn) => db.transaction(() => fn(store)),
    lock: (key) => db.lock(key),
  };
  return store;
}
