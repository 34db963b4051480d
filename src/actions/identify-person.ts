import type { AdminRef } from '../config.js';
import type { Person, Role } from '../domain/types.js';
import { HeraldError } from '../errors.js';
import type { Store } from '../ports.js';
import type { ActionContext } from './context.js';
import { email as emailSchema, validate } from './validate.js';

/** What a platform tells Herald about one of its users. */
export interface SlackProfile {
  userId: string;
  displayName: string;
  email: string | null;
  isGuest: boolean;
  isBot: boolean;
  deleted: boolean;
}

export interface TeamsProfile {
  aadId: string;
  displayName: string;
  email: string | null;
  conversationRef?: string | null;
}

const isAdminRef = (
  refs: readonly AdminRef[],
  p: Pick<Person, 'email' | 'slackUserId' | 'teamsAadId'>,
) =>
  refs.some(
    (r) =>
      (r.kind === 'email' && p.email?.toLowerCase() === r.email) ||
      (r.kind === 'slack' && p.slackUserId === r.userId) ||
      (r.kind === 'teams' && p.teamsAadId === r.aadId),
  );

/** The role a person has unless an admin set one explicitly. */
function derivedRole(ctx: ActionContext, p: Person, platformRole: Role | null): Role {
  if (isAdminRef(ctx.admins, p)) return 'admin';
  if (platformRole) return platformRole;
  return p.role;
}

function settleRole(ctx: ActionContext, p: Person, platformRole: Role | null): Person {
  if (ctx.store.people.isRoleExplicit(p.id)) return p;
  const role = derivedRole(ctx, p, platformRole);
  return role === p.role ? p : ctx.store.people.update(p.id, { role });
}

/** An email is linked to a person only when no one else holds it already. */
function freeEmail(store: Store, email: string | null, self: number | null): string | null {
  if (!email) return null;
  const holder = store.people.byEmail(email);
  return holder && holder.id !== self ? null : email.toLowerCase();
}

/**
 * Finds or creates the person behind a Slack user, linking by email to a person known from Teams
 * or email. Full members are responders under `RESPONDER_POLICY=members`; guests are stakeholders;
 * bots are refused.
 */
export function identifySlackUser(ctx: ActionContext, profile: SlackProfile): Person {
  if (profile.isBot) throw new HeraldError('FORBIDDEN', 'Bots cannot use Herald.');
  const { store, clock } = ctx;
  return store.transaction(() => {
    const email = profile.email?.toLowerCase() ?? null;
    let person =
      store.people.bySlackUserId(profile.userId) ?? (email ? store.people.byEmail(email) : null);
    if (!person) {
      person = store.people.create(
        { displayName: profile.displayName, email, slackUserId: profile.userId },
        clock.now(),
      );
    } else {
      person = store.people.update(person.id, {
        displayName: profile.displayName || person.displayName,
        slackUserId: profile.userId,
        email: freeEmail(store, email, person.id) ?? person.email,
        slackReachable: !profile.deleted,
      });
    }
    const platformRole: Role =
      !profile.isGuest && ctx.responderPolicy === 'members' ? 'responder' : 'stakeholder';
    // Under `granted`, a member keeps whatever role they have; a guest is never more than a stakeholder.
    const role = ctx.responderPolicy === 'granted' && !profile.isGuest ? null : platformRole;
    return settleRole(ctx, person, role);
  });
}

/** Finds or creates the person behind a Teams user (stakeholder unless an admin), linking by email. */
export function identifyTeamsUser(ctx: ActionContext, profile: TeamsProfile): Person {
  const { store, clock } = ctx;
  return store.transaction(() => {
    const email = profile.email?.toLowerCase() ?? null;
    let person =
      store.people.byTeamsAadId(profile.aadId) ?? (email ? store.people.byEmail(email) : null);
    if (!person) {
      person = store.people.create(
        { displayName: profile.displayName, email, teamsAadId: profile.aadId },
        clock.now(),
      );
    }
    person = store.people.update(person.id, {
      displayName: profile.displayName || person.displayName,
      teamsAadId: profile.aadId,
      email: freeEmail(store, email, person.id) ?? person.email,
      ...(profile.conversationRef !== undefined
        ? {
            teamsConversationRef: profile.conversationRef,
            teamsReachable: profile.conversationRef !== null,
          }
        : {}),
    });
    return settleRole(ctx, person, null);
  });
}

/** The person with this email, created as an email-only stakeholder when new. */
export function personByEmail(ctx: ActionContext, rawEmail: string): Person {
  const email = validate(emailSchema, rawEmail, 'email');
  const { store, clock } = ctx;
  return store.transaction(() => {
    const existing = store.people.byEmail(email);
    if (existing) return existing;
    return settleRole(ctx, store.people.create({ displayName: email, email }, clock.now()), null);
  });
}

/**
 * Applies `ADMINS` at start-up: known people listed there become admins (unless an admin set their
 * role explicitly); listed emails nobody has yet become email-only admins, linked when they arrive.
 */
export function bootstrapAdmins(ctx: ActionContext): number {
  const { store } = ctx;
  return store.transaction(() => {
    let promoted = 0;
    for (const ref of ctx.admins) {
      const person =
        ref.kind === 'email'
          ? (store.people.byEmail(ref.email) ??
            store.people.create({ displayName: ref.email, email: ref.email }, ctx.clock.now()))
          : ref.kind === 'slack'
            ? store.people.bySlackUserId(ref.userId)
            : store.people.byTeamsAadId(ref.aadId);
      if (person && person.role !== 'admin' && !store.people.isRoleExplicit(person.id)) {
        store.people.update(person.id, { role: 'admin' });
        promoted += 1;
      }
    }
    return promoted;
  });
}
