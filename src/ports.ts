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
  Reach,
} from './domain/types.js';
import type { Platform, PlatformProfile } from './domain/targets.js';

/**
 * Storage ports, implemented in `db/` for SQLite and PostgreSQL alike; the core knows only these
 * shapes. Every method is async, and nothing here depends on one database's behaviour: ids come
 * back from the write that made them, case-insensitive matching is the repository's business.
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
  byId(id: number): Promise<Person | null>;
  byIds(ids: readonly number[]): Promise<Person[]>;
  /** What the channel rules need of each of `ids` that exists (a fan-out's recipients). */
  reach(ids: readonly number[]): Promise<Reach[]>;
  /** Case-insensitive. */
  byEmail(email: string): Promise<Person | null>;
  bySlackUserId(userId: string): Promise<Person | null>;
  byTeamsAadId(aadId: string): Promise<Person | null>;
  /**
   * Creates a person — or, when another holds one of its unique keys (email, Slack id, Teams id)
   * already, returns that one: of processes meeting someone at once, one creates them.
   */
  create(person: NewPerson, now: number): Promise<Person>;
  update(id: number, patch: PersonPatch): Promise<Person>;
  isRoleExplicit(id: number): Promise<boolean>;
  countByRole(role: Role): Promise<number>;
}

export interface StakeholderTeamsRepo {
  /** Case-insensitive. */
  byName(name: string): Promise<StakeholderTeam | null>;
  byId(id: number): Promise<StakeholderTeam | null>;
  /** By name, case-insensitively. */
  list(): Promise<Array<StakeholderTeam & { memberCount: number }>>;
  create(name: string, description: string, now: number): Promise<StakeholderTeam>;
  update(id: number, patch: { name?: string; description?: string }): Promise<StakeholderTeam>;
  delete(id: number): Promise<void>;
  members(teamId: number): Promise<Person[]>;
  /** Returns the ids actually added (not already members). */
  addMembers(teamId: number, personIds: readonly number[], now: number): Promise<number[]>;
  /** Returns the ids actually removed. */
  removeMembers(teamId: number, personIds: readonly number[]): Promise<number[]>;
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
  byId(id: number): Promise<Incident | null>;
  byExternalKey(key: string): Promise<Incident | null>;
  /**
   * Creates an incident. With an `externalKey` another incident holds already, creates nothing and
   * returns that one (`created: false`): decided by the unique key, so concurrent callers agree.
   */
  create(incident: NewIncident, now: number): Promise<{ incident: Incident; created: boolean }>;
  update(id: number, patch: IncidentPatch): Promise<Incident>;
  /** Newest first. */
  list(filter: { status?: 'open' | 'resolved'; limit: number }): Promise<Incident[]>;
  /** Incidents the person is subscribed to, directly or through a team. Newest first. */
  listForPerson(
    personId: number,
    filter: { status?: 'open' | 'resolved'; limit: number },
  ): Promise<Incident[]>;
}

export interface SubscriptionsRepo {
  list(incidentId: number): Promise<Subscription[]>;
  addPerson(
    incidentId: number,
    personId: number,
    addedBy: number | null,
    now: number,
  ): Promise<boolean>;
  addTeam(
    incidentId: number,
    teamId: number,
    addedBy: number | null,
    now: number,
  ): Promise<boolean>;
  removePerson(incidentId: number, personId: number): Promise<boolean>;
  removeTeam(incidentId: number, teamId: number): Promise<boolean>;
  /** Keeps a person out of this incident's team subscriptions (they unsubscribed themselves). */
  optOut(incidentId: number, personId: number, now: number): Promise<void>;
  /** Everyone who would be told now: direct subscribers and current members of subscribed teams, once each. */
  recipientIds(incidentId: number): Promise<number[]>;
  isRecipient(incidentId: number, personId: number): Promise<boolean>;
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
  ): Promise<StatusUpdate>;
  /** Newest first; `stakeholderOnly` keeps the updates that were sent to stakeholders. */
  list(
    incidentId: number,
    limit: number,
    opts?: { stakeholderOnly?: boolean },
  ): Promise<StatusUpdate[]>;
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
  ): Promise<{ event: NotificationEvent; queued: number }>;
  /**
   * The first delivery on `channel` for this person and incident that was sent or is on its way
   * (email threading: Message-IDs derive from delivery ids, so a later mail can refer to it).
   */
  firstSent(incidentId: number, personId: number, channel: Channel): Promise<number | null>;
  /** The last delivery per subscriber and channel, for `/incident stakeholders`. */
  latestByPerson(
    incidentId: number,
  ): Promise<
    Array<Pick<Delivery, 'personId' | 'channel' | 'state' | 'lastError'> & { at: number }>
  >;
}

export interface AuditRepo {
  record(
    entry: { actorId: number | null; action: string; incidentId?: number | null; detail?: unknown },
    now: number,
  ): Promise<void>;
}

export interface SettingsRepo {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  /**
   * Stores `value` unless the key already has one, and returns the value that is stored now: of
   * several processes racing to set it first, all end up with the same one.
   */
  setIfAbsent(key: string, value: string): Promise<string>;
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
  list(): Promise<SubscriptionRule[]>;
  byId(id: number): Promise<SubscriptionRule | null>;
  create(rule: NewSubscriptionRule, now: number): Promise<SubscriptionRule>;
  /** Returns whether a rule was deleted (its targets go with it). */
  delete(id: number): Promise<boolean>;
}

/**
 * Time-limited exclusive holds shared by every process on the database: a delivery lane (one
 * sender per platform, so its limits hold for all replicas together), a scheduled job.
 */
export interface LeasesRepo {
  /**
   * Takes `name` for `holder` until `now + ttlMs`, or extends it when `holder` already has it —
   * unless another holder's lease has not run out. Resolves true when `holder` has it now.
   */
  acquire(name: string, holder: string, now: number, ttlMs: number): Promise<boolean>;
  /** Gives `name` up if `holder` has it. */
  release(name: string, holder: string): Promise<void>;
  /** The live leases whose names start with `prefix`, who holds each and until when. */
  held(
    prefix: string,
    now: number,
  ): Promise<Array<{ name: string; holder: string; expiresAt: number }>>;
}

/** The Herald processes sharing the database, by their last sign of life. */
export interface ReplicasRepo {
  /** Records that `id` is alive at `now`; resolves with every id seen within `withinMs`. */
  heartbeat(id: string, now: number, withinMs: number): Promise<string[]>;
  /** `id` is stopping: it no longer counts among the living. */
  leave(id: string): Promise<void>;
}

/** Things to act on once across every process (a replayed request), each remembered a while. */
export interface OnceRepo {
  /**
   * Records `key` until `expiresAt`. Resolves true the first time (or once an earlier record
   * expired), false for a repeat: of processes racing with one key, exactly one gets true.
   */
  claim(key: string, now: number, expiresAt: number): Promise<boolean>;
}

/** A platform profile as it was stored, and when the platform said it. */
export interface StoredProfile {
  profile: PlatformProfile;
  fetchedAt: number;
}

/**
 * What the chat platforms last said about their users, shared by every process on the database:
 * a lookup paced under a platform's limits is made once, not once per request and replica.
 */
export interface PlatformProfilesRepo {
  /** The stored profiles of these users, by user id; users never stored are left out. */
  get(platform: Platform, userIds: readonly string[]): Promise<Map<string, StoredProfile>>;
  /**
   * Stores each profile as the platform said it at `fetchedAt`, unless a newer answer is stored
   * already (a late answer never undoes a newer one).
   */
  put(profiles: readonly PlatformProfile[], fetchedAt: number): Promise<void>;
  /** Forgets the profiles fetched before `before`; resolves with how many. */
  prune(before: number): Promise<number>;
}

/** A session of the stakeholder pages, as stored: only a hash of its id is kept. */
export interface NewWebSession {
  idHash: string;
  personId: number;
  expiresAt: number;
}

/**
 * Sessions of the stakeholder pages, shared by every process on the database so any replica may
 * serve any page, and so "stop everything" ends them everywhere at once.
 */
export interface WebSessionsRepo {
  create(session: NewWebSession, now: number): Promise<void>;
  /** The person of a session that has not expired at `now`; null for anything else. */
  personOf(idHash: string, now: number): Promise<number | null>;
  delete(idHash: string): Promise<void>;
  /** Ends every session of the person; resolves with how many there were. */
  deleteForPerson(personId: number): Promise<number>;
  /** Forgets the sessions expired by `now`; resolves with how many. */
  prune(now: number): Promise<number>;
}

/**
 * Counters for limits that must hold for every process together (a per-process counter would let
 * `n` replicas allow `n` times the limit).
 */
export interface RateLimitsRepo {
  /**
   * Counts one hit on `key` in its fixed window of `windowMs` (a window starts with the first hit
   * after the last one ended) and resolves with the hits in that window, this one included. One
   * statement: of processes hitting at once, each sees a distinct count.
   */
  hit(key: string, now: number, windowMs: number): Promise<number>;
  /** Forgets the windows ended by `now`; resolves with how many. */
  prune(now: number): Promise<number>;
}

/**
 * All repositories plus a transaction: `fn` runs atomically — every repository call made while it
 * runs, through `tx` or not, is part of it — and a nested call joins the outer transaction.
 */
export interface Store {
  people: PeopleRepo;
  stakeholderTeams: StakeholderTeamsRepo;
  incidents: IncidentsRepo;
  subscriptions: SubscriptionsRepo;
  updates: UpdatesRepo;
  outbox: OutboxRepo;
  audit: AuditRepo;
  settings: SettingsRepo;
  rules: RulesRepo;
  leases: LeasesRepo;
  replicas: ReplicasRepo;
  once: OnceRepo;
  platformProfiles: PlatformProfilesRepo;
  webSessions: WebSessionsRepo;
  rateLimits: RateLimitsRepo;
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /**
   * Inside a transaction: waits until no other transaction — in this process or another sharing
   * the database — holds `key`, then holds it until this one ends. For read-modify-write on
   * state that no unique key guards.
   */
  lock(key: string): Promise<void>;
}

export type DeliveryCounts = Record<DeliveryState, number>;
