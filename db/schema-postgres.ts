import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/**
 * The PostgreSQL schema: table for table, column for column, the SQLite schema (`schema.ts`), so
 * the repositories' SQL runs on both. Times are milliseconds since the epoch (bigint, read back
 * as numbers); flags are booleans; ids are identities.
 */
const id = () => integer('id').primaryKey().generatedByDefaultAsIdentity();
const ms = (name: string) => bigint(name, { mode: 'number' });

export const people = pgTable(
  'people',
  {
    id: id(),
    displayName: text('display_name').notNull(),
    email: text('email'),
    slackUserId: text('slack_user_id'),
    teamsAadId: text('teams_aad_id'),
    teamsConversationRef: text('teams_conversation_ref'),
    slackReachable: boolean('slack_reachable').notNull().default(true),
    teamsReachable: boolean('teams_reachable').notNull().default(true),
    role: text('role', { enum: ['admin', 'responder', 'stakeholder'] })
      .notNull()
      .default('stakeholder'),
    /** True once an admin set the role: platform sync no longer changes it. */
    roleExplicit: boolean('role_explicit').notNull().default(false),
    /** JSON array of channels, or NULL for the default of PRODUCT §3. */
    preferences: text('preferences'),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('people_email_ci').on(sql`lower(${t.email})`),
    uniqueIndex('people_slack_user').on(t.slackUserId),
    uniqueIndex('people_teams_aad').on(t.teamsAadId),
  ],
);

export const stakeholderTeams = pgTable(
  'stakeholder_teams',
  {
    id: id(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [uniqueIndex('stakeholder_teams_name_ci').on(sql`lower(${t.name})`)],
);

export const teamMembers = pgTable(
  'team_members',
  {
    teamId: integer('team_id')
      .notNull()
      .references(() => stakeholderTeams.id, { onDelete: 'cascade' }),
    personId: integer('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    addedAt: ms('added_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.teamId, t.personId] }),
    index('team_members_person').on(t.personId),
  ],
);

export const incidents = pgTable(
  'incidents',
  {
    /** The incident number users see (#42): an identity never reuses a number. */
    id: id(),
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
    createdAt: ms('created_at').notNull(),
    resolvedAt: ms('resolved_at'),
    resolutionNote: text('resolution_note'),
    lastStakeholderUpdateAt: ms('last_stakeholder_update_at'),
    lastReminderAt: ms('last_reminder_at'),
  },
  (t) => [
    uniqueIndex('incidents_external_key').on(t.externalKey),
    index('incidents_status').on(t.status),
  ],
);

export const subscriptions = pgTable(
  'subscriptions',
  {
    id: id(),
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    personId: integer('person_id').references(() => people.id, { onDelete: 'cascade' }),
    teamId: integer('team_id').references(() => stakeholderTeams.id, { onDelete: 'cascade' }),
    addedBy: integer('added_by').references(() => people.id, { onDelete: 'set null' }),
    createdAt: ms('created_at').notNull(),
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
export const optOuts = pgTable(
  'opt_outs',
  {
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    personId: integer('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.incidentId, t.personId] })],
);

export const statusUpdates = pgTable(
  'status_updates',
  {
    id: id(),
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    text: text('text').notNull(),
    authorId: integer('author_id').references(() => people.id, { onDelete: 'set null' }),
    notifyStakeholders: boolean('notify_stakeholders').notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [index('status_updates_incident').on(t.incidentId)],
);

export const notificationEvents = pgTable(
  'notification_events',
  {
    id: id(),
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['subscribed', 'update', 'resolved', 'reminder'] }).notNull(),
    /** JSON EventPayload: the message's facts frozen at the time of the event. */
    payload: text('payload').notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [index('notification_events_incident').on(t.incidentId)],
);

/**
 * The outbox: one row per event × person × channel, written with the action that caused it. The
 * idempotency key is that triple's unique index; no foreign keys, the `deliveries_cascade`
 * migration's triggers delete with a person or an event (see `schema.ts`).
 */
export const deliveries = pgTable(
  'deliveries',
  {
    id: id(),
    eventId: integer('event_id').notNull(),
    personId: integer('person_id').notNull(),
    channel: text('channel', { enum: ['slack', 'teams', 'email'] }).notNull(),
    state: text('state', {
      enum: ['pending', 'sending', 'sent', 'retrying', 'failed', 'undeliverable'],
    })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ms('next_attempt_at').notNull(),
    leaseUntil: ms('lease_until'),
    lastError: text('last_error'),
    /** The chat delivery this email delivery stands in for. */
    fallbackOf: integer('fallback_of'),
    sentAt: ms('sent_at'),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('deliveries_idempotency').on(t.eventId, t.personId, t.channel),
    index('deliveries_due_by_channel').on(t.state, t.channel, t.nextAttemptAt),
    index('deliveries_person').on(t.personId),
  ],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: id(),
    actorId: integer('actor_id').references(() => people.id, { onDelete: 'set null' }),
    action: text('action').notNull(),
    incidentId: integer('incident_id'),
    /** JSON detail. */
    detail: text('detail').notNull().default('{}'),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [index('audit_log_incident').on(t.incidentId)],
);

/**
 * An auto-subscription rule: a newly declared incident matching every condition set here (service,
 * case-insensitively; severity in the set) is subscribed to the rule's targets. At least one
 * condition is set, so a rule never matches everything by accident.
 */
export const subscriptionRules = pgTable(
  'subscription_rules',
  {
    /** The rule number admins see (`rule remove 3`): an identity never reuses one. */
    id: id(),
    service: text('service'),
    /** JSON array of severities, or NULL for any severity. */
    severities: text('severities'),
    createdBy: integer('created_by').references(() => people.id, { onDelete: 'set null' }),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [
    check(
      'subscription_rules_condition',
      sql`${t.service} IS NOT NULL OR ${t.severities} IS NOT NULL`,
    ),
  ],
);

/** Who a rule subscribes: one person or one team per row. Deleting either drops the target. */
export const subscriptionRuleTargets = pgTable(
  'subscription_rule_targets',
  {
    id: id(),
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

export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/** Time-limited exclusive holds shared by the processes on one database: a delivery lane, a job. */
export const leases = pgTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: ms('expires_at').notNull(),
});

/** The Herald processes sharing the database, by their last sign of life. */
export const replicas = pgTable('replicas', {
  id: text('id').primaryKey(),
  seenAt: ms('seen_at').notNull(),
});

/** Requests acted on once (a replayed Slack request, a retried event), remembered until expiry. */
export const onceKeys = pgTable(
  'once_keys',
  {
    key: text('key').primaryKey(),
    expiresAt: ms('expires_at').notNull(),
  },
  (t) => [index('once_keys_expiry').on(t.expiresAt)],
);

/**
 * What a chat platform last said about one of its users (Slack's `users.info` and `users.list`),
 * shared by every process on the database so a user is looked up once an hour, not once per
 * request and replica. `profile` is the JSON platform profile; `user_id` the platform's id (Slack
 * user id, Entra ID object id).
 */
export const platformProfiles = pgTable(
  'platform_profiles',
  {
    platform: text('platform', { enum: ['slack', 'teams'] }).notNull(),
    userId: text('user_id').notNull(),
    profile: text('profile').notNull(),
    fetchedAt: ms('fetched_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.platform, t.userId] }),
    index('platform_profiles_fetched').on(t.fetchedAt),
  ],
);

/** Sessions of the stakeholder pages (see `schema.ts`). */
export const webSessions = pgTable(
  'web_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    personId: integer('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    createdAt: ms('created_at').notNull(),
    expiresAt: ms('expires_at').notNull(),
  },
  (t) => [
    index('web_sessions_by_person').on(t.personId),
    index('web_sessions_expiry').on(t.expiresAt),
  ],
);

/** Fixed-window counters for limits shared by the replicas (see `schema.ts`). */
export const rateLimits = pgTable(
  'rate_limits',
  {
    key: text('key').primaryKey(),
    hits: integer('hits').notNull(),
    windowEnds: ms('window_ends').notNull(),
  },
  (t) => [index('rate_limits_window').on(t.windowEnds)],
);
