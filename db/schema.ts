import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';

/** Times are milliseconds since the epoch, from the injected clock. */

export const people = sqliteTable(
  'people',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    displayName: text('display_name').notNull(),
    email: text('email'),
    slackUserId: text('slack_user_id'),
    teamsAadId: text('teams_aad_id'),
    teamsConversationRef: text('teams_conversation_ref'),
    slackReachable: integer('slack_reachable', { mode: 'boolean' }).notNull().default(true),
    teamsReachable: integer('teams_reachable', { mode: 'boolean' }).notNull().default(true),
    role: text('role', { enum: ['admin', 'responder', 'stakeholder'] })
      .notNull()
      .default('stakeholder'),
    /** True once an admin set the role: platform sync no longer changes it. */
    roleExplicit: integer('role_explicit', { mode: 'boolean' }).notNull().default(false),
    /** JSON array of channels, or NULL for the default of PRODUCT §3. */
    preferences: text('preferences'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('people_email_ci').on(sql`lower(${t.email})`),
    uniqueIndex('people_slack_user').on(t.slackUserId),
    uniqueIndex('people_teams_aad').on(t.teamsAadId),
  ],
);

export const stakeholderTeams = sqliteTable(
  'stakeholder_teams',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('stakeholder_teams_name_ci').on(sql`lower(${t.name})`)],
);

export const teamMembers = sqliteTable(
  'team_members',
  {
    teamId: integer('team_id')
      .notNull()
      .references(() => stakeholderTeams.id, { onDelete: 'cascade' }),
    personId: integer('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    addedAt: integer('added_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.teamId, t.personId] }),
    index('team_members_person').on(t.personId),
  ],
);

export const incidents = sqliteTable(
  'incidents',
  {
    /** The incident number users see (#42): SQLite's AUTOINCREMENT never reuses a number. */
    id: integer('id').primaryKey({ autoIncrement: true }),
    title: text('title').notNull(),
    summary: text('summary').notNull().default(''),
    severity: text('severity', { enum: ['SEV1', 'SEV2', 'SEV3', 'SEV4'] })
      .notNull()
      .default('SEV3'),
    service: text('service'),
    status: text('status', { enum: ['open', 'resolved'] })
      .notNull()
      .default('open'),
    declaredBy: integer('declared_by').references(() => people.id, { onDelete: 'set null' }),
    source: text('source', { enum: ['slack', 'teams', 'api', 'alertmanager'] }).notNull(),
    externalKey: text('external_key'),
    createdAt: integer('created_at').notNull(),
    resolvedAt: integer('resolved_at'),
    resolutionNote: text('resolution_note'),
    lastStakeholderUpdateAt: integer('last_stakeholder_update_at'),
    lastReminderAt: integer('last_reminder_at'),
  },
  (t) => [
    uniqueIndex('incidents_external_key').on(t.externalKey),
    index('incidents_status').on(t.status),
  ],
);

export const subscriptions = sqliteTable(
  'subscriptions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    personId: integer('person_id').references(() => people.id, { onDelete: 'cascade' }),
    teamId: integer('team_id').references(() => stakeholderTeams.id, { onDelete: 'cascade' }),
    addedBy: integer('added_by').references(() => people.id, { onDelete: 'set null' }),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('subscriptions_person').on(t.incidentId, t.personId),
    uniqueIndex('subscriptions_team').on(t.incidentId, t.teamId),
    index('subscriptions_by_person').on(t.personId),
    index('subscriptions_by_team').on(t.teamId),
    check('subscriptions_one_target', sql`(${t.personId} IS NULL) <> (${t.teamId} IS NULL)`),
  ],
);

/**
 * A person who unsubscribed themselves while a team still covers them: team subscriptions skip
 * them until they are subscribed directly again.
 */
export const optOuts = sqliteTable(
  'opt_outs',
  {
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    personId: integer('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.incidentId, t.personId] })],
);

export const statusUpdates = sqliteTable(
  'status_updates',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    text: text('text').notNull(),
    authorId: integer('author_id').references(() => people.id, { onDelete: 'set null' }),
    notifyStakeholders: integer('notify_stakeholders', { mode: 'boolean' }).notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('status_updates_incident').on(t.incidentId)],
);

export const notificationEvents = sqliteTable(
  'notification_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['subscribed', 'update', 'resolved', 'reminder'] }).notNull(),
    /** JSON EventPayload: the message's facts frozen at the time of the event. */
    payload: text('payload').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('notification_events_incident').on(t.incidentId)],
);

/**
 * The outbox: one row per event × person × channel, written with the action that caused it.
 *
 * That triple is the idempotency key, unique as its three columns (`deliveries_idempotency`)
 * rather than as a text built from them: one index fewer to maintain on a 10,000-row fan-out, and
 * an event's own lookups use its prefix.
 *
 * `event_id` and `person_id` carry no foreign keys: checked row by row (and on PostgreSQL each
 * check also locks the person's and the event's row), they were a third of that fan-out's write.
 * Every writer takes both from its own transaction — the event it has just inserted, the people it
 * has just read — and a deleted person or event still takes its deliveries with it: the triggers
 * of the `deliveries_cascade` migration do what ON DELETE CASCADE did.
 */
export const deliveries = sqliteTable(
  'deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    eventId: integer('event_id').notNull(),
    personId: integer('person_id').notNull(),
    channel: text('channel', { enum: ['slack', 'teams', 'email'] }).notNull(),
    state: text('state', {
      enum: ['pending', 'sending', 'sent', 'retrying', 'failed', 'undeliverable'],
    })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    leaseUntil: integer('lease_until'),
    lastError: text('last_error'),
    /** The chat delivery this email delivery stands in for. */
    fallbackOf: integer('fallback_of'),
    sentAt: integer('sent_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('deliveries_idempotency').on(t.eventId, t.personId, t.channel),
    index('deliveries_due_by_channel').on(t.state, t.channel, t.nextAttemptAt),
    index('deliveries_person').on(t.personId),
  ],
);

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    actorId: integer('actor_id').references(() => people.id, { onDelete: 'set null' }),
    action: text('action').notNull(),
    incidentId: integer('incident_id'),
    /** JSON detail. */
    detail: text('detail').notNull().default('{}'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('audit_log_incident').on(t.incidentId)],
);

/**
 * An auto-subscription rule: a newly declared incident matching every condition set here (service,
 * case-insensitively; severity in the set) is subscribed to the rule's targets. At least one
 * condition is set, so a rule never matches everything by accident.
 */
export const subscriptionRules = sqliteTable(
  'subscription_rules',
  {
    /** The rule number admins see (`rule remove 3`): AUTOINCREMENT never reuses one. */
    id: integer('id').primaryKey({ autoIncrement: true }),
    service: text('service'),
    /** JSON array of severities, or NULL for any severity. */
    severities: text('severities'),
    createdBy: integer('created_by').references(() => people.id, { onDelete: 'set null' }),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    check(
      'subscription_rules_condition',
      sql`${t.service} IS NOT NULL OR ${t.severities} IS NOT NULL`,
    ),
  ],
);

/** Who a rule subscribes: one person or one team per row. Deleting either drops the target. */
export const subscriptionRuleTargets = sqliteTable(
  'subscription_rule_targets',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ruleId: integer('rule_id')
      .notNull()
      .references(() => subscriptionRules.id, { onDelete: 'cascade' }),
    personId: integer('person_id').references(() => people.id, { onDelete: 'cascade' }),
    teamId: integer('team_id').references(() => stakeholderTeams.id, { onDelete: 'cascade' }),
  },
  (t) => [
    uniqueIndex('subscription_rule_targets_person').on(t.ruleId, t.personId),
    uniqueIndex('subscription_rule_targets_team').on(t.ruleId, t.teamId),
    index('subscription_rule_targets_by_person').on(t.personId),
    index('subscription_rule_targets_by_team').on(t.teamId),
    check(
      'subscription_rule_targets_one_target',
      sql`(${t.personId} IS NULL) <> (${t.teamId} IS NULL)`,
    ),
  ],
);

export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/** Time-limited exclusive holds shared by the processes on one database: a delivery lane, a job. */
export const leases = sqliteTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: integer('expires_at').notNull(),
});

/** The Herald processes sharing the database, by their last sign of life. */
export const replicas = sqliteTable('replicas', {
  id: text('id').primaryKey(),
  seenAt: integer('seen_at').notNull(),
});

/** Requests acted on once (a replayed Slack request, a retried event), remembered until expiry. */
export const onceKeys = sqliteTable(
  'once_keys',
  {
    key: text('key').primaryKey(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('once_keys_expiry').on(t.expiresAt)],
);

/**
 * What a chat platform last said about one of its users (Slack's `users.info` and `users.list`),
 * shared by every process on the database so a user is looked up once an hour, not once per
 * request and replica. `profile` is the JSON platform profile; `user_id` the platform's id (Slack
 * user id, Entra ID object id).
 */
export const platformProfiles = sqliteTable(
  'platform_profiles',
  {
    platform: text('platform', { enum: ['slack', 'teams'] }).notNull(),
    userId: text('user_id').notNull(),
    profile: text('profile').notNull(),
    fetchedAt: integer('fetched_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.platform, t.userId] }),
    index('platform_profiles_fetched').on(t.fetchedAt),
  ],
);

/**
 * Sessions of the stakeholder pages, opened by a signed link. Only a hash of the session id is
 * kept: a copy of the database opens no one's session. Shared by every replica, so any of them
 * may serve any page; "stop everything" deletes a person's sessions.
 */
export const webSessions = sqliteTable(
  'web_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    personId: integer('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [
    index('web_sessions_by_person').on(t.personId),
    index('web_sessions_expiry').on(t.expiresAt),
  ],
);

/**
 * Fixed-window counters for limits that must hold across replicas ("email me a new link"): one
 * row per key, its hits in the window that ends at `window_ends`.
 */
export const rateLimits = sqliteTable(
  'rate_limits',
  {
    key: text('key').primaryKey(),
    hits: integer('hits').notNull(),
    windowEnds: integer('window_ends').notNull(),
  },
  (t) => [index('rate_limits_window').on(t.windowEnds)],
);
