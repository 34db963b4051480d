import {
  CHANNELS,
  type Channel,
  type Delivery,
  type DeliveryState,
  type EventKind,
  type EventPayload,
  type Incident,
  type IncidentStatus,
  type NotificationEvent,
  type Person,
  type Role,
  type Severity,
  type Source,
  type StakeholderTeam,
  type StatusUpdate,
  type Subscription,
} from '../src/domain/types.js';
import { profileUserId, type Platform, type PlatformProfile } from '../src/domain/targets.js';
import type { StoredProfile } from '../src/ports.js';
import { deliveryKey } from './repositories/outbox.js';

/**
 * Rows as both databases return them, and the one mapping of each to its domain type. Columns
 * are snake_case in both schemas; SQLite gives booleans as 0/1 and PostgreSQL as true/false, so
 * flags go through `flag`.
 */

export type Flag = boolean | number;
export const flag = (v: Flag): boolean => v === true || v === 1;

export interface PersonRow {
  id: number;
  display_name: string;
  email: string | null;
  slack_user_id: string | null;
  teams_aad_id: string | null;
  teams_conversation_ref: string | null;
  slack_reachable: Flag;
  teams_reachable: Flag;
  role: Role;
  role_explicit: Flag;
  preferences: string | null;
  created_at: number;
}

/**
 * The stored preference, or `null` (the default). A malformed value must not lock a person out of
 * commands or stop their deliveries: it reads as "no explicit preference".
 */
export function parsePreferences(text: string | null): Channel[] | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value)) return null;
    const channels = CHANNELS.filter((c) => value.includes(c));
    return channels.length > 0 ? channels : null;
  } catch {
    return null;
  }
}

export const toPerson = (row: PersonRow): Person => ({
  id: row.id,
  displayName: row.display_name,
  email: row.email,
  slackUserId: row.slack_user_id,
  teamsAadId: row.teams_aad_id,
  teamsConversationRef: row.teams_conversation_ref,
  slackReachable: flag(row.slack_reachable),
  teamsReachable: flag(row.teams_reachable),
  role: row.role,
  preferences: parsePreferences(row.preferences),
});

export interface TeamRow {
  id: number;
  name: string;
  description: string;
}

export const toTeam = (row: TeamRow): StakeholderTeam => ({
  id: row.id,
  name: row.name,
  description: row.description,
});

export interface IncidentRow {
  id: number;
  title: string;
  summary: string;
  severity: Severity;
  service: string | null;
  status: IncidentStatus;
  declared_by: number | null;
  source: Source;
  external_key: string | null;
  created_at: number;
  resolved_at: number | null;
  resolution_note: string | null;
  last_stakeholder_update_at: number | null;
  last_reminder_at: number | null;
}

export const toIncident = (row: IncidentRow): Incident => ({
  id: row.id,
  title: row.title,
  summary: row.summary,
  severity: row.severity,
  service: row.service,
  status: row.status,
  declaredBy: row.declared_by,
  source: row.source,
  externalKey: row.external_key,
  createdAt: row.created_at,
  resolvedAt: row.resolved_at,
  resolutionNote: row.resolution_note,
  lastStakeholderUpdateAt: row.last_stakeholder_update_at,
  lastReminderAt: row.last_reminder_at,
});

export interface SubscriptionRow {
  id: number;
  incident_id: number;
  person_id: number | null;
  team_id: number | null;
  added_by: number | null;
  created_at: number;
}

export const toSubscription = (row: SubscriptionRow): Subscription => ({
  id: row.id,
  incidentId: row.incident_id,
  personId: row.person_id,
  teamId: row.team_id,
  addedBy: row.added_by,
  createdAt: row.created_at,
});

export interface UpdateRow {
  id: number;
  incident_id: number;
  text: string;
  author_id: number | null;
  notify_stakeholders: Flag;
  created_at: number;
}

export const toUpdate = (row: UpdateRow): StatusUpdate => ({
  id: row.id,
  incidentId: row.incident_id,
  text: row.text,
  authorId: row.author_id,
  notifyStakeholders: flag(row.notify_stakeholders),
  createdAt: row.created_at,
});

export interface EventRow {
  id: number;
  incident_id: number;
  kind: EventKind;
  payload: string;
  created_at: number;
}

export const toEvent = (row: EventRow): NotificationEvent => ({
  id: row.id,
  incidentId: row.incident_id,
  kind: row.kind,
  payload: JSON.parse(row.payload) as EventPayload,
  createdAt: row.created_at,
});

export interface DeliveryRow {
  id: number;
  event_id: number;
  person_id: number;
  channel: Channel;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_error: string | null;
  fallback_of: number | null;
  sent_at: number | null;
  created_at: number;
}

export const toDelivery = (row: DeliveryRow): Delivery => ({
  id: row.id,
  eventId: row.event_id,
  personId: row.person_id,
  channel: row.channel,
  idempotencyKey: deliveryKey(row.event_id, row.person_id, row.channel),
  state: row.state,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  leaseUntil: row.lease_until,
  lastError: row.last_error,
  fallbackOf: row.fallback_of,
  sentAt: row.sent_at,
  createdAt: row.created_at,
});

export interface PlatformProfileRow {
  platform: Platform;
  user_id: string;
  profile: string;
  fetched_at: number;
}

/**
 * A stored platform profile, or null when the stored JSON is not one for this row's user (a row
 * written by hand, a format Herald no longer reads): the profile is then fetched again.
 */
export function toStoredProfile(row: PlatformProfileRow): StoredProfile | null {
  let value: unknown;
  try {
    value = JSON.parse(row.profile);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const profile = value as PlatformProfile;
  if (profile.platform !== row.platform || profileUserId(profile) !== row.user_id) return null;
  return { profile, fetchedAt: Number(row.fetched_at) };
}
