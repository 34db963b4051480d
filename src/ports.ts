import type {
  Channel,
  Delivery,
  DeliveryState,
  EventPayload,
  Incident,
  NotificationEvent,
  Person,
  Role,
  Severity,
  Source,
  StakeholderTeam,
  StatusUpdate,
  Subscription,
} from './domain/types.js';

/**
 * Storage ports. The SQLite implementation lives in `db/`; the core knows only these shapes.
 * Every method is synchronous: SQLite runs in-process and a transaction must not span an await.
 */

export interface NewPerson {
  displayName: string;
  email?: string | null;
  slackUserId?: string | null;
  teamsAadId?: string | null;
  role?: Role;
}

export type PersonPatch = Partial<Omit<Person, 'id'>> & { roleExplicit?: boolean };

export interface PeopleRepo {
  byId(id: number): Person | null;
  byIds(ids: readonly number[]): Person[];
  /** Case-insensitive. */
  byEmail(email: string): Person | null;
  bySlackUserId(userId: string): Person | null;
  byTeamsAadId(aadId: string): Person | null;
  create(person: NewPerson, now: number): Person;
  update(id: number, patch: PersonPatch): Person;
  isRoleExplicit(id: number): boolean;
  countByRole(role: Role): number;
}

export interface TeamsRepo {
  /** Case-insensitive. */
  byName(name: string): StakeholderTeam | null;
  byId(id: number): StakeholderTeam | null;
  list(): Array<StakeholderTeam & { memberCount: number }>;
  create(name: string, description: string, now: number): StakeholderTeam;
  update(id: number, patch: { name?: string; description?: string }): StakeholderTeam;
  delete(id: number): void;
  members(teamId: number): Person[];
  /** Returns the ids actually added (not already members). */
  addMembers(teamId: number, personIds: readonly number[], now: number): number[];
  /** Returns the ids actually removed. */
  removeMembers(teamId: number, personIds: readonly number[]): number[];
}

export interface NewIncident {
  title: string;
  summary: string;
  severity: Severity;
  service: string | null;
  declaredBy: number | null;
  source: Source;
  externalKey: string | null;
}

export type IncidentPatch = Partial<
  Pick<
    Incident,
    | 'title'
    | 'summary'
    | 'severity'
    | 'service'
    | 'status'
    | 'resolvedAt'
    | 'resolutionNote'
    | 'lastStakeholderUpdateAt'
    | 'lastReminderAt'
  >
>;

export interface IncidentsRepo {
  byId(id: number): Incident | null;
  byExternalKey(key: string): Incident | null;
  create(incident: NewIncident, now: number): Incident;
  update(id: number, patch: IncidentPatch): Incident;
  /** Newest first. */
  list(filter: { status?: 'open' | 'resolved'; limit: number }): Incident[];
  /** Incidents the person is subscribed to, directly or through a team. Newest first. */
  listForPerson(
    personId: number,
    filter: { status?: 'open' | 'resolved'; limit: number },
  ): Incident[];
}

export interface SubscriptionsRepo {
  list(incidentId: number): Subscription[];
  addPerson(incidentId: number, personId: number, addedBy: number | null, now: number): boolean;
  addTeam(incidentId: number, teamId: number, addedBy: number | null, now: number): boolean;
  removePerson(incidentId: number, personId: number): boolean;
  removeTeam(incidentId: number, teamId: number): boolean;
  /** Keeps a person out of this incident's team subscriptions (they unsubscribed themselves). */
  optOut(incidentId: number, personId: number, now: number): void;
  /** Everyone who would be told now: direct subscribers and current members of subscribed teams, once each. */
  recipientIds(incidentId: number): number[];
  isRecipient(incidentId: number, personId: number): boolean;
}

export interface UpdatesRepo {
  create(
    update: {
      incidentId: number;
      text: string;
      authorId: number | null;
      notifyStakeholders: boolean;
    },
    now: number,
  ): StatusUpdate;
  /** Newest first; `stakeholderOnly` keeps the updates that were sent to stakeholders. */
  list(incidentId: number, limit: number, opts?: { stakeholderOnly?: boolean }): StatusUpdate[];
}

export interface NewDelivery {
  personId: number;
  channel: Channel;
  /** `undeliverable` when no channel can reach the person: recorded so responders see it. */
  state: 'pending' | 'undeliverable';
  lastError?: string | null;
}

export interface OutboxRepo {
  /** Writes the event and its deliveries; the caller holds the transaction. */
  enqueue(
    incidentId: number,
    payload: EventPayload,
    deliveries: readonly NewDelivery[],
    now: number,
  ): { event: NotificationEvent; queued: number };
  /**
   * The first delivery on `channel` for this person and incident that was sent or is on its way
   * (email threading: Message-IDs derive from delivery ids, so a later mail can refer to it).
   */
  firstSent(incidentId: number, personId: number, channel: Channel): number | null;
  /** The last delivery per subscriber and channel, for `/incident stakeholders`. */
  latestByPerson(
    incidentId: number,
  ): Array<Pick<Delivery, 'personId' | 'channel' | 'state' | 'lastError'> & { at: number }>;
}

export interface AuditRepo {
  record(
    entry: { actorId: number | null; action: string; incidentId?: number | null; detail?: unknown },
    now: number,
  ): void;
}

export interface SettingsRepo {
  get(key: string): string | null;
  set(key: string, value: string): void;
}

/**
 * An auto-subscription rule. Each condition that is set must hold: `service` equal
 * case-insensitively, `severities` containing the incident's. At least one is set.
 */
export interface SubscriptionRule {
  id: number;
  service: string | null;
  severities: Severity[] | null;
  personIds: number[];
  teamIds: number[];
  createdBy: number | null;
  createdAt: number;
}

export interface NewSubscriptionRule {
  service: string | null;
  severities: Severity[] | null;
  personIds: readonly number[];
  teamIds: readonly number[];
  createdBy: number | null;
}

export interface RulesRepo {
  /** Oldest first, targets included. */
  list(): SubscriptionRule[];
  byId(id: number): SubscriptionRule | null;
  create(rule: NewSubscriptionRule, now: number): SubscriptionRule;
  /** Returns whether a rule was deleted (its targets go with it). */
  delete(id: number): boolean;
}

/** All repositories plus a synchronous transaction: `fn` runs atomically, nested calls join it. */
export interface Store {
  people: PeopleRepo;
  teams: TeamsRepo;
  incidents: IncidentsRepo;
  subscriptions: SubscriptionsRepo;
  updates: UpdatesRepo;
  outbox: OutboxRepo;
  audit: AuditRepo;
  settings: SettingsRepo;
  rules: RulesRepo;
  transaction<T>(fn: () => T): T;
}

export type DeliveryCounts = Record<DeliveryState, number>;
