export const ROLES = ['admin', 'responder', 'stakeholder'] as const;
export type Role = (typeof ROLES)[number];

export const CHANNELS = ['slack', 'teams', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];
export const CHAT_CHANNELS: readonly Channel[] = ['slack', 'teams'];

export const SEVERITIES = ['SEV1', 'SEV2', 'SEV3', 'SEV4'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SOURCES = ['slack', 'teams', 'api', 'alertmanager'] as const;
export type Source = (typeof SOURCES)[number];

export type IncidentStatus = 'open' | 'resolved';

export interface Person {
  id: number;
  displayName: string;
  email: string | null;
  slackUserId: string | null;
  teamsAadId: string | null;
  /** Serialized Bot Framework conversation reference, stored on install. */
  teamsConversationRef: string | null;
  slackReachable: boolean;
  teamsReachable: boolean;
  role: Role;
  /** Explicit preference; `null` means the default of PRODUCT §3. */
  preferences: Channel[] | null;
}

/**
 * What the channel rules read of a person: whether Slack, Teams and email can reach them (an id,
 * a conversation, an address, not marked unreachable) and their choice. A fan-out to 100,000
 * loads this much of each recipient, not the whole person.
 */
export interface Reach {
  id: number;
  slack: boolean;
  teams: boolean;
  email: boolean;
  /** Explicit preference; `null` means the default of PRODUCT §3. */
  preferences: Channel[] | null;
}

export const reachOf = (person: Person): Reach => ({
  id: person.id,
  slack: person.slackUserId !== null && person.slackReachable,
  teams: person.teamsConversationRef !== null && person.teamsReachable,
  email: person.email !== null,
  preferences: person.preferences,
});

export interface Incident {
  id: number;
  title: string;
  summary: string;
  severity: Severity;
  service: string | null;
  status: IncidentStatus;
  declaredBy: number | null;
  source: Source;
  externalKey: string | null;
  createdAt: number;
  resolvedAt: number | null;
  resolutionNote: string | null;
  lastStakeholderUpdateAt: number | null;
  lastReminderAt: number | null;
}

export interface StakeholderTeam {
  id: number;
  name: string;
  description: string;
}

export interface Subscription {
  id: number;
  incidentId: number;
  personId: number | null;
  teamId: number | null;
  addedBy: number | null;
  createdAt: number;
}

export interface StatusUpdate {
  id: number;
  incidentId: number;
  text: string;
  authorId: number | null;
  notifyStakeholders: boolean;
  createdAt: number;
}

export type EventKind = 'subscribed' | 'update' | 'resolved' | 'reminder';

/** What a message says, frozen at the time of the event so a retry a minute later says the same. */
export interface EventPayload {
  kind: EventKind;
  incident: {
    id: number;
    title: string;
    summary: string;
    severity: Severity;
    service: string | null;
    status: IncidentStatus;
  };
  /** Update text, resolution note, or the reminder's words. */
  text: string | null;
  at: number;
  /** Display name of whoever caused the event. */
  by: string | null;
}

export interface NotificationEvent {
  id: number;
  incidentId: number;
  kind: EventKind;
  payload: EventPayload;
  createdAt: number;
}

export const DELIVERY_STATES = [
  'pending',
  'sending',
  'sent',
  'retrying',
  'failed',
  'undeliverable',
] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export interface Delivery {
  id: number;
  eventId: number;
  personId: number;
  channel: Channel;
  idempotencyKey: string;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: number;
  leaseUntil: number | null;
  lastError: string | null;
  fallbackOf: number | null;
  sentAt: number | null;
  createdAt: number;
}
