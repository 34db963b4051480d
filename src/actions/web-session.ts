/**
 * Sessions of the stakeholder pages. A signed link (src/stakeholder-link.ts) opens one for the
 * person it names; the session then speaks for that person, and only for them.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Person } from '../domain/types.js';
import type { LinkSubject } from '../stakeholder-link.js';
import type { ActionContext } from './context.js';

/** A session lasts a week from the link that opened it; each message brings a fresh link. */
export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** 32 random bytes, base64url: what the cookie carries. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** Only the hash is stored: a copy of the database opens no one's session. */
const hashOf = (sessionId: string): string =>
  createHash('sha256').update(sessionId).digest('base64url');

export interface OpenedSession {
  sessionId: string;
  person: Person;
  incidentId: number;
}

/**
 * Opens a session for the person a verified link names, landing on its incident. Null when the
 * person or the incident is gone, or the person no longer follows the incident: such a link reads
 * exactly like a forged one. `previous` (the browser's current session, whoever's) is ended.
 */
export async function openSession(
  ctx: ActionContext,
  subject: LinkSubject,
  previous: string | null,
): Promise<OpenedSession | null> {
  const { store, clock } = ctx;
  return store.transaction(async () => {
    const person = await store.people.byId(subject.personId);
    const incident = await store.incidents.byId(subject.incidentId);
    if (!person || !incident) return null;
    if (!(await store.subscriptions.isRecipient(incident.id, person.id))) return null;
    const now = clock.now();
    if (previous && SESSION_ID.test(previous)) await store.webSessions.delete(hashOf(previous));
    // Link previews and mail scanners open links too: their sessions expire unused and go here.
    await store.webSessions.prune(now);
    const sessionId = randomBytes(32).toString('base64url');
    await store.webSessions.create(
      { idHash: hashOf(sessionId), personId: person.id, expiresAt: now + SESSION_TTL_MS },
      now,
    );
    return { sessionId, person, incidentId: incident.id };
  });
}

/** The person a live session speaks for; null for a missing, malformed, ended or expired one. */
export async function sessionPerson(
  ctx: ActionContext,
  sessionId: string | null,
): Promise<Person | null> {
  if (!sessionId || !SESSION_ID.test(sessionId)) return null;
  const personId = await ctx.store.webSessions.personOf(hashOf(sessionId), ctx.clock.now());
  return personId === null ? null : ctx.store.people.byId(personId);
}

/** Logs out: the session ends on every replica at once. */
export async function endSession(ctx: ActionContext, sessionId: string): Promise<void> {
  if (SESSION_ID.test(sessionId)) await ctx.store.webSessions.delete(hashOf(sessionId));
}
